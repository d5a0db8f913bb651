"""The selected tracker in detail: altitude plot, rates, burst and predicted landing."""

from __future__ import annotations

import bisect
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from groundstation.flight import ground_distance_m, initial_bearing_deg
from groundstation.tui.crossings import Whereabouts
from groundstation.tui.model import TrackerState
from groundstation.tui.rows import age_text
from groundstation.tui.settings import Station
from groundstation.tui.text import safe
from groundstation.tui.widgets.altitude_plot import AltitudePlot

PLOT_POINTS = 400


def _hms(seconds: float) -> str:
    s = int(max(0.0, seconds))
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def describe(
    t: TrackerState, now: datetime, station: Station | None, around: Whereabouts | None = None
) -> Text:
    """The lines above the plot (the callsign and any telemetry text are shown literally),
    ending with one line per watched boundary if ``around`` knows any."""
    out = Text(overflow="fold")  # a line too long for the pane (a boundary's) goes on below
    out.append_text(safe(t.name, "bold"))
    fix = t.last_fix
    analysis = t.analysis
    phase = analysis.phase if analysis is not None else None
    out.append(f"  {phase or 'phase not known yet'}", style="bold")
    out.append(f"  heard {age_text(t.age_s(now))} ago\n", style="dim")
    alt = "-" if fix is None or fix.alt_m is None else f"{fix.alt_m:,.0f} m"
    rate = "-" if t.ascent_mps is None else f"{t.ascent_mps:+.1f} m/s"
    top = "-" if t.max_alt_m is None else f"{t.max_alt_m:,.0f} m"
    out.append(f"alt {alt}  {rate}  max {top}\n")
    flight = analysis.flight if analysis is not None else None
    if flight is not None and flight.burst is not None:
        b = flight.burst
        out.append(f"burst {b.alt_m:,.0f} m at {b.time:%H:%M:%S}Z\n")
    elif flight is not None and flight.launch is not None:
        out.append(f"launched {flight.launch.time:%H:%M:%S}Z, no burst yet\n")
    else:
        out.append("not launched yet\n" if flight is None else "launch not heard, no burst yet\n")
    prediction = analysis.prediction if analysis is not None else None
    if flight is not None and flight.landing is not None:
        p = flight.landing
        out.append(f"landed {p.lat:.5f}, {p.lon:.5f} at {p.time:%H:%M:%S}Z", style="#d787ff")
        if station is not None:
            km = ground_distance_m(station.lat, station.lon, p.lat, p.lon) / 1000
            brg = initial_bearing_deg(station.lat, station.lon, p.lat, p.lon)
            out.append(f"\n{km:.1f} km from station, brg {brg:03.0f}")
    elif prediction is not None and analysis is not None:
        p = prediction.landing
        out.append(f"landing {p.lat:.5f},{p.lon:.5f} at {p.time:%H:%M}Z", style="bold #ffaf00")
        parts = []
        left = analysis.time_to_landing
        if left is not None:
            parts.append(f"in {_hms(left.total_seconds())}")
        if analysis.landing_distance_m is not None:
            where = "from station" if station is not None else "from balloon"
            parts.append(f"{analysis.landing_distance_m / 1000:.1f} km {where}")
            if station is not None:
                parts.append(
                    f"brg {initial_bearing_deg(station.lat, station.lon, p.lat, p.lon):03.0f}"
                )
        if parts:
            out.append("\n" + ", ".join(parts))
    else:
        out.append("no landing prediction", style="dim")
    if around is not None and around.boundaries:
        landed = (flight.landing.lat, flight.landing.lon) if flight and flight.landing else None
        here = (fix.lat, fix.lon) if fix is not None else None
        aim = (prediction.landing.lat, prediction.landing.lon) if prediction else None
        for line in around.lines(t.crossings, here, landed, aim if landed is None else None):
            out.append("\n")
            out.append_text(safe(line, "#5fd7ff" if t.crossings else ""))
    return out


def plot_points(t: TrackerState, limit: int = PLOT_POINTS) -> list[tuple[float, float]]:
    """Up to ``limit`` (time, altitude) points spread over the whole track."""
    fixes, times = t.fixes, t.times
    if not fixes:
        return []
    if len(fixes) <= limit:
        return [(f.time.timestamp(), f.alt_m) for f in fixes if f.alt_m is not None]
    t0, t1 = times[0], times[-1]
    out = []
    for i in range(limit):
        j = min(len(times) - 1, bisect.bisect_left(times, t0 + (t1 - t0) * i / (limit - 1)))
        alt = fixes[j].alt_m
        if alt is not None:
            out.append((times[j], alt))
    return out


class DetailPane(Vertical):
    """Shows one tracker; ``show`` is called when it is selected or its data changed."""

    text = Text()
    rows = 0
    """How many rows ``text`` took when last shown: the pane is laid out again (the plot
    gives or takes room) only when that changes."""
    where: Whereabouts | None = None
    """The boundaries watched (the app sets this at start)."""

    def compose(self) -> ComposeResult:
        yield Static(Text("no tracker selected", style="dim"), id="detail-text")
        yield AltitudePlot(id="altitude-plot")

    def show(
        self, t: TrackerState | None, now: datetime, station: Station | None, plot: bool = True
    ) -> None:
        """Describe ``t``; redraw its altitude plot too if ``plot`` (or nothing is selected)."""
        text = self.query_one("#detail-text", Static)
        plotter = self.query_one(AltitudePlot)
        if t is None:
            self.text = Text()
            text.update(Text("no tracker selected", style="dim"), layout=False)
            plotter.plot([])
            return
        described = describe(t, now, station, self.where)
        if described != self.text:
            self.text = described
            rows = len(described.wrap(self.app.console, max(1, text.content_region.width)))
            text.update(described, layout=rows != self.rows)
            self.rows = rows
        if not plot:
            return
        points = plot_points(t)
        caption = ""
        if points:
            start = datetime.fromtimestamp(points[0][0], UTC).strftime("%H:%M")
            span = _hms(points[-1][0] - points[0][0])
            caption = f"altitude since {start}Z ({span})"
        plotter.plot(points, caption)
