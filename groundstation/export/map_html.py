"""The flight map: one self-describing HTML page per export, built with folium.

What a page shows, per flight (each flight is a layer in the layer control, its landing
predictions another):

- the track, simplified to within ``TRACK_TOLERANCE_M`` of every fix (:mod:`.simplify`) and
  coloured by altitude band (:mod:`.colors`), with a legend;
- markers for launch, burst and landing, or for the last fix when the signal was lost, each
  with a popup (time, altitude, coordinates, and the last telemetry at the end);
- the landing predictions made during the flight (numbered in the order they were made) joined
  by a faint line that ends at the real landing point, so the convergence shows;
- the ground station, if known, with its distance and bearing to each landing;
- a panel with a summary and the altitude-versus-time profile (:mod:`.profile`).

All text from the air is escaped (:mod:`.safe`); the page's script builds popups with
``textContent``. With ``offline=True`` Leaflet is inlined (:mod:`.assets`) and the page loads
nothing but map tiles, which simply stay blank without a network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from html import escape
from pathlib import Path

import folium
from branca.element import Element, Figure

from groundstation.export.assets import LEAFLET_CSS_URL, LEAFLET_JS_URL, offline_leaflet
from groundstation.export.colors import FLIGHT_COLOURS, AltitudeScale, band_runs
from groundstation.export.map_fleet import (
    Hidden,
    boundary_items,
    crossing_items,
    scatter_items,
)
from groundstation.export.map_script import PAGE_SCRIPT, PAGE_STYLE, DrawItems
from groundstation.export.model import (
    ExportError,
    FlightExport,
    Station,
    flight_events,
    flight_exports,
)
from groundstation.export.profile import altitude_profile
from groundstation.export.safe import plain_text
from groundstation.export.simplify import simplify_track
from groundstation.flight import TrackPoint, ground_distance_m, initial_bearing_deg
from groundstation.flight.boundary import Boundary
from groundstation.flight.campaign import BoundaryResult, Campaign
from groundstation.models import Fix, Telemetry

TRACK_TOLERANCE_M = 9.0  # plus at most 0.1 m of coordinate rounding: within 10 m of every fix
TRACK_CLASS = "gs-track"
COORD_DIGITS = 6
MAX_OPEN_LAYERS = 6

Item = dict[str, object]


def when(t: datetime) -> str:
    return f"{t:%Y-%m-%d %H:%M:%S}Z"


def where(lat: float, lon: float) -> str:
    return f"{lat:.5f}, {lon:.5f}"


def metres(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:,.0f} m"


def km(value: float) -> str:
    return f"{value / 1000:,.1f} km"


def default_title(exports: Sequence[FlightExport]) -> str:
    """``EMU1 flight 2024-06-01 09:00Z`` or ``EMU1, EMU2 flights 2024-06-01``."""
    if len(exports) == 1:
        return f"{exports[0].tracker} flight {exports[0].flight.key_time:%Y-%m-%d %H:%M}Z"
    names = list(dict.fromkeys(e.tracker for e in exports))
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return f"{shown} flights {min(e.flight.key_time for e in exports):%Y-%m-%d}"


def simplified_runs(
    fixes: Sequence[Fix], scale: AltitudeScale, tolerance_m: float = TRACK_TOLERANCE_M
) -> list[tuple[str, list[list[float]]]]:
    """The track as (colour, [[lat, lon], ...]) runs, each simplified within ``tolerance_m``."""
    alts = [f.alt_m if f.alt_m is not None else 0.0 for f in fixes]
    runs = []
    for first, last, band in band_runs(alts, scale):
        part = fixes[first : last + 1]
        kept = simplify_track([f.lat for f in part], [f.lon for f in part], tolerance_m)
        points = [
            [round(part[i].lat, COORD_DIGITS), round(part[i].lon, COORD_DIGITS)] for i in kept
        ]
        runs.append((scale.colour(band), points))
    return runs


def _point_rows(point: TrackPoint) -> list[list[str]]:
    return [
        ["Time", when(point.time)],
        ["Altitude", metres(point.alt_m)],
        ["Position", where(point.lat, point.lon)],
    ]


def _telemetry_rows(row: Telemetry | None) -> list[list[str]]:
    if row is None:
        return []
    rows = [["Telemetry at", when(row.time)]] if row.time is not None else []
    for name, value, unit in (
        ("Battery", row.battery_v, "V"),
        ("Temperature inside", row.temp_int_c, "°C"),
        ("Temperature outside", row.temp_ext_c, "°C"),
        ("Pressure", row.pressure_hpa, "hPa"),
    ):
        if value is not None:
            rows.append([name, f"{value:g} {unit}"])
    rows.extend([str(k), str(v)] for k, v in sorted(row.extra.items()))
    return rows


def _marker(point: TrackPoint, colour: str, title: str, rows: list[list[str]]) -> Item:
    return {
        "kind": "circle",
        "at": [point.lat, point.lon],
        "style": {
            "radius": 7,
            "color": "#222",
            "weight": 2,
            "fillColor": colour,
            "fillOpacity": 0.95,
            "className": "gs-event",
        },
        "tooltip": title,
        "popup": {"title": title, "rows": rows},
    }


_EVENT_COLOURS = {"launch": "#2e7d32", "first fix": "#2e7d32", "burst": "#ef6c00"}


def event_items(export: FlightExport) -> list[Item]:
    """Launch, burst and landing (or last fix) markers with their popups."""
    flight, label = export.flight, export.label
    events = flight_events(flight, export.redacted_km)
    start = events[0].point.time
    items: list[Item] = []
    for event in events:
        rows = _point_rows(event.point)
        if event.kind == "burst":
            rows.append(["Flight time", _duration(start, event.point)])
        if event.kind in ("landing", "last fix"):
            rows += [
                ["Max altitude", metres(flight.max_alt_m)],
                ["Flight time", _duration(start, event.point)],
            ]
            if flight.launch_to_landing_m is not None:
                rows.append(["From launch", km(flight.launch_to_landing_m)])
            rows += _telemetry_rows(export.telemetry[-1] if export.telemetry else None)
        colour = _EVENT_COLOURS.get(event.kind)
        if colour is None:
            colour = "#b71c1c" if event.kind == "landing" else "#757575"
        items.append(_marker(event.point, colour, f"{event.title}: {label}", rows))
    return items


def _duration(start: datetime, point: TrackPoint) -> str:
    minutes = round((point.time - start).total_seconds() / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def prediction_items(export: FlightExport, colour: str) -> list[Item]:
    """Numbered predicted landings joined in order and ending at the real end of the flight."""
    flight = export.flight
    if not export.predictions:
        return []
    actual = flight.landing or flight.last
    total = len(export.predictions)
    points = [[p.landing.lat, p.landing.lon] for p in export.predictions]
    items: list[Item] = [
        {
            "kind": "line",
            "points": points + [[actual.lat, actual.lon]],
            "style": {"color": colour, "weight": 2, "opacity": 0.45, "dashArray": "4 6"},
            "tooltip": f"Landing predictions during the flight: {export.label}",
        }
    ]
    for number, p in enumerate(export.predictions, start=1):
        miss = ground_distance_m(p.landing.lat, p.landing.lon, actual.lat, actual.lon)
        rows = [
            ["Made at", when(p.made_at)],
            ["Phase", p.kind],
            ["Predicted landing", where(p.landing.lat, p.landing.lon)],
            ["Predicted time", when(p.landing.time)],
            ["Off by", f"{km(miss)} from where it {_ended(export)}"],
        ]
        if p.burst is not None and p.kind == "ascent":
            rows.append(["Assumed burst", metres(p.burst.alt_m)])
        items.append(
            {
                "kind": "number",
                "number": number,
                "colour": colour,
                "at": [p.landing.lat, p.landing.lon],
                "tooltip": f"Prediction {number} of {total}, made {p.made_at:%H:%M}Z",
                "popup": {"title": f"Prediction {number} of {total}: {export.label}", "rows": rows},
            }
        )
    return items


def _ended(export: FlightExport) -> str:
    return "landed" if export.flight.landing is not None else "was last heard"


def station_items(station: Station, exports: Sequence[FlightExport]) -> list[Item]:
    rows = [["Position", where(station.lat, station.lon)], ["Altitude", metres(station.alt_m)]]
    if station.time is not None:
        rows.insert(0, ["Known at", when(station.time)])
    for export in exports:
        end = export.flight.landing or export.flight.last
        distance = ground_distance_m(station.lat, station.lon, end.lat, end.lon)
        bearing = initial_bearing_deg(station.lat, station.lon, end.lat, end.lon)
        rows.append([f"To {export.label}", f"{km(distance)} at {bearing:.0f}°"])
    return [
        {
            "kind": "circle",
            "at": [station.lat, station.lon],
            "style": {
                "radius": 8,
                "color": "#0d47a1",
                "weight": 3,
                "fillColor": "#ffffff",
                "fillOpacity": 1.0,
                "className": "gs-station",
            },
            "tooltip": "Ground station",
            "popup": {"title": "Ground station", "rows": rows},
        }
    ]


def _campaign_summary(campaign: Campaign) -> str:
    c = campaign
    parts = [
        f"{len(c.flights)} launched from {len(c.sites)} site{'s' if len(c.sites) != 1 else ''}",
        f"{c.count('burst')} burst",
        f"{c.count('landed')} landed",
        f"{c.count('lost')} lost",
    ]
    parts += [
        f"{escape(t.boundary)}: {t.crossed} crossed, {t.landed_beyond} landed beyond"
        for t in c.boundaries
    ]
    return f'<p class="gs-campaign">Campaign {c.id}: {" · ".join(parts)}</p>'


def _summary(exports: Sequence[FlightExport], title: str, campaign: Campaign | None = None) -> str:
    items = []
    for number, e in enumerate(exports):
        f = e.flight
        colour = FLIGHT_COLOURS[number % len(FLIGHT_COLOURS)]
        burst = f" burst at {metres(f.burst.alt_m)}," if f.burst is not None else ""
        items.append(
            f'<li><b style="color:{colour}">{escape(e.label)}</b> (flight {escape(e.flight_id)}):'
            f" max {metres(f.max_alt_m)},{burst} {escape(f.end_reason)} after"
            f" {_duration(f.start_time, f.last)}; {f.fix_count:,} fixes</li>"
        )
    listing = f"<ul>{''.join(items)}</ul>"
    if len(items) > 5:  # a fleet: the list folds away, so the panel does not hide the map
        listing = f"<details><summary>{len(items)} flights</summary>{listing}</details>"
    head = _campaign_summary(campaign) if campaign is not None else ""
    redacted = [e.redacted_km for e in exports if e.redacted_km is not None]
    if redacted:
        head += (
            f'<p class="gs-redacted">Nothing within {max(redacted):g} km of a launch site or'
            " the station is shown.</p>"
        )
    return (
        '<details class="gs-panel gs-info" open><summary>'
        f"{escape(title)}</summary>{head}{listing}{altitude_profile(exports)}</details>"
    )


def _legend(scale: AltitudeScale) -> str:
    rows = "".join(
        f'<div><i style="background:{colour}"></i>{label}</div>' for colour, label in scale.legend()
    )
    return f'<div class="gs-panel gs-legend"><b>Altitude</b>{rows}</div>'


class _Inline(Element):
    """A ``<script>`` or ``<style>`` element with code that is known to be safe inline."""

    def __init__(self, tag: str, code: str) -> None:
        super().__init__(f"<{tag}>{code}</{tag}>")


def build_map(
    exports: Sequence[FlightExport],
    *,
    station: Station | None = None,
    offline: bool = False,
    title: str | None = None,
    tolerance_m: float = TRACK_TOLERANCE_M,
    boundaries: Sequence[Boundary] = (),
    campaign: Campaign | None = None,
    hidden: Hidden | None = None,
) -> str:
    """The HTML page for one or more flights (see the module docstring).

    ``tolerance_m`` is how far the drawn track may pass from a fix (0 draws every fix).
    ``boundaries`` are drawn, with a marker where each flight crossed them; ``campaign`` adds
    its counts and landing scatter (its flights' crossings are used when its flight ids match
    the exports'). Crossings and the scatter centre at positions ``hidden`` says are left out
    (for redacted maps).
    """
    if not exports:
        raise ExportError("there is no flight to put on the map")
    page_title = plain_text(title if title is not None else default_title(exports))
    scale = AltitudeScale.for_max(max(e.flight.max_alt_m for e in exports))
    fmap = folium.Map(tiles=None, control_scale=True, zoom_start=9)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(fmap)
    # Only Leaflet: folium's default jQuery, Bootstrap and icon fonts are not used here.
    fmap.default_js = [] if offline else [("leaflet", LEAFLET_JS_URL)]
    fmap.default_css = [] if offline else [("leaflet_css", LEAFLET_CSS_URL)]
    figure = fmap.get_root()
    assert isinstance(figure, Figure)
    figure.title = escape(page_title)
    if offline:
        js, css = offline_leaflet()
        figure.header.add_child(_Inline("style", css), name="leaflet_css_inline")
        figure.header.add_child(_Inline("script", js), name="leaflet_inline")
    figure.header.add_child(_Inline("style", PAGE_STYLE), name="gs_style")
    figure.header.add_child(_Inline("script", PAGE_SCRIPT), name="gs_script")

    lats: list[float] = []
    lons: list[float] = []
    for number, export in enumerate(exports):
        colour = FLIGHT_COLOURS[number % len(FLIGHT_COLOURS)]
        layer = folium.FeatureGroup(name=escape(export.label))
        for run_colour, points in simplified_runs(export.flight.fixes, scale, tolerance_m):
            folium.PolyLine(  # type: ignore[no-untyped-call]
                points, color=run_colour, weight=4, opacity=0.9, class_name=TRACK_CLASS
            ).add_to(layer)
            lats.extend(p[0] for p in points)
            lons.extend(p[1] for p in points)
        layer.add_child(DrawItems(event_items(export)))
        if boundaries:
            results = _campaign_results(campaign, export)
            crossed = crossing_items(export, results, boundaries, hidden)
            if crossed:
                layer.add_child(DrawItems(crossed))
        layer.add_to(fmap)
        predictions = prediction_items(export, colour)
        if predictions:
            guesses = folium.FeatureGroup(name=escape(f"Predicted landings: {export.label}"))
            guesses.add_child(DrawItems(predictions))
            guesses.add_to(fmap)
    if boundaries:
        lines = folium.FeatureGroup(name="Boundaries")
        lines.add_child(DrawItems(boundary_items(boundaries)))
        lines.add_to(fmap)
    if campaign is not None and campaign.scatter is not None:
        scatter = scatter_items(campaign.scatter, hidden)
        if scatter:
            group = folium.FeatureGroup(name="Landing scatter")
            group.add_child(DrawItems(scatter))
            group.add_to(fmap)
    if station is not None:
        base = folium.FeatureGroup(name="Ground station")
        base.add_child(DrawItems(station_items(station, exports)))
        base.add_to(fmap)
        lats.append(station.lat)
        lons.append(station.lon)
    # Room at the bottom for the summary panel and the legend, which float over the map.
    fmap.fit_bounds(
        [[min(lats), min(lons)], [max(lats), max(lons)]],
        padding_top_left=(20, 20),
        padding_bottom_right=(20, 280),
    )
    # The view fits the tracks and the station, not the early (wide) predictions. A fleet's
    # long list of layers folds into the control's button.
    folium.LayerControl(collapsed=len(exports) > MAX_OPEN_LAYERS).add_to(fmap)
    figure.html.add_child(Element(_summary(exports, page_title, campaign)), name="gs_summary")
    figure.html.add_child(Element(_legend(scale)), name="gs_legend")
    html: str = figure.render()
    return html


def _campaign_results(
    campaign: Campaign | None, export: FlightExport
) -> Sequence[BoundaryResult] | None:
    """The campaign's boundary results for this flight, if it is one of the campaign's."""
    if campaign is None:
        return None
    for flight in campaign.flights:
        if str(flight.id) == export.flight_id and flight.tracker == export.tracker:
            return flight.boundaries
    return None


def export_map(
    tracker: str,
    fixes: Sequence[Fix],
    output: str | Path,
    *,
    telemetry: Sequence[Telemetry] = (),
    station: Station | None = None,
    offline: bool | None = None,
) -> Path:
    """Write the map of ``tracker``'s latest flight in ``fixes`` to ``output``; return the path.

    The in-memory path (the live view uses it). ``offline=None`` inlines Leaflet when the
    XStatic-Leaflet package is installed, and links it from a CDN otherwise. Raises
    :class:`ExportError` when the fixes hold no flight of that tracker yet.
    """
    own = [f for f in fixes if f.tracker == tracker]
    flights = [e for e in flight_exports(own, telemetry) if e.tracker == tracker]
    if not flights:
        raise ExportError(f"no flight of {tracker!r} yet: it has not launched")
    if offline is None:
        try:
            offline_leaflet()
            offline = True
        except ExportError:
            offline = False
    page = build_map(flights[-1:], station=station, offline=offline)
    path = Path(output)
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {(exc.strerror or str(exc)).lower()}") from None
    return path
