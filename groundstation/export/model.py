"""What an export is made from: analysed flights with their telemetry and predictions.

Exports never read the database themselves: :mod:`.source` (or a caller with fixes in memory)
builds :class:`FlightExport` objects, and the writers turn them into files. That keeps every
format testable from plain lists of :class:`~groundstation.models.Fix`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from groundstation.export.safe import plain_text
from groundstation.flight import (
    Flight,
    Prediction,
    PredictionSettings,
    TrackPoint,
    predict_at,
    split_flights,
)
from groundstation.models import Fix, StationFix, Telemetry


class ExportError(Exception):
    """An export cannot be made; the message is one plain sentence for the user."""


@dataclass(frozen=True, slots=True)
class FlightExport:
    """One flight, ready to export.

    ``flight_id`` is how the user named it (shown in titles and used for default file names);
    ``telemetry`` is the tracker's housekeeping during the flight, in time order;
    ``predictions`` are the landing predictions that could have been made during the flight,
    in the order they were made. ``redacted_km`` is set when everything within that distance of
    the launch sites and the station was left out (:mod:`.redact`).
    """

    flight_id: str
    flight: Flight
    telemetry: tuple[Telemetry, ...] = ()
    predictions: tuple[Prediction, ...] = ()
    redacted_km: float | None = None

    @property
    def tracker(self) -> str:
        return self.flight.tracker

    @property
    def label(self) -> str:
        """A short human name: the tracker and the flight's launch (UTC; its first fix when the
        launch was not heard), as `flights` and `campaign` list it; controls removed."""
        return plain_text(f"{self.flight.tracker} {self.flight.key_time:%Y-%m-%d %H:%M}Z")


@dataclass(frozen=True, slots=True)
class Station:
    """Where the ground station is (``time`` is when that was known, if it is)."""

    lat: float
    lon: float
    alt_m: float | None = None
    time: datetime | None = None

    @classmethod
    def of(cls, fix: StationFix) -> Station:
        return cls(fix.lat, fix.lon, fix.alt_m, fix.time)


# Landing predictions: one every few minutes of flight, at most this many per flight.
PREDICTION_EVERY_S = 300.0
MAX_PREDICTIONS = 20
# A prediction needs the shape of the flight, not every fix: its winds are averaged over
# 250 m bands. Fixes closer together than this are thinned out before predicting.
PREDICTION_SPACING_S = 10.0
# Only the landing point of these predictions is shown: a coarser time step than the live
# prediction's does not move it measurably, and a long path is not needed.
PREDICTION_SETTINGS = PredictionSettings(step_s=10.0, path_step_s=600.0)


def prediction_times(
    flight: Flight, every_s: float = PREDICTION_EVERY_S, max_count: int = MAX_PREDICTIONS
) -> list[datetime]:
    """When to predict: every ``every_s`` seconds of flight (stretched to stay within
    ``max_count``) from the launch (or first airborne fix) until before the landing."""
    airborne = flight.fixes_in("ascent", "float", "descent")
    if len(airborne) < 2:
        return []
    first, last = airborne[0].time, airborne[-1].time
    span = (last - first).total_seconds()
    step = max(every_s, span / max_count)
    count = int(span // step)
    return [first + timedelta(seconds=step * (k + 1)) for k in range(count) if k + 1 <= max_count]


def thin_fixes(fixes: Sequence[Fix], spacing_s: float) -> list[Fix]:
    """Fixes at least ``spacing_s`` apart in time (the first and last always kept)."""
    if not fixes:
        return []
    spacing = timedelta(seconds=spacing_s)
    kept = [fixes[0]]
    due = fixes[0].time + spacing
    for fix in fixes[1:]:
        if fix.time >= due:
            kept.append(fix)
            due = fix.time + spacing
    if kept[-1] is not fixes[-1]:
        kept.append(fixes[-1])
    return kept


def predictions_during(
    flight: Flight,
    every_s: float = PREDICTION_EVERY_S,
    max_count: int = MAX_PREDICTIONS,
    settings: PredictionSettings | None = None,
) -> list[Prediction]:
    """The landing predictions that could have been made during the flight, from the fixes
    received until each moment (see :func:`groundstation.flight.predict_at`)."""
    thinned = thin_fixes(flight.fixes, PREDICTION_SPACING_S)
    times = [f.time for f in thinned]
    found: list[Prediction] = []
    for at in prediction_times(flight, every_s, max_count):
        upto = thinned[: bisect.bisect_right(times, at)]
        prediction = predict_at(upto, at, settings=settings or PREDICTION_SETTINGS)
        if prediction is not None:
            found.append(prediction)
    return found


def telemetry_during(flight: Flight, telemetry: Iterable[Telemetry]) -> tuple[Telemetry, ...]:
    """The flight's tracker's telemetry with a time within the flight, in time order."""
    start, end = flight.start_time, flight.end_time
    rows = [
        t
        for t in telemetry
        if t.tracker == flight.tracker and t.time is not None and start <= t.time <= end
    ]
    return tuple(sorted(rows, key=lambda t: (t.time, t.seq if t.seq is not None else -1)))


def nearest_telemetry(
    fixes: Sequence[Fix], telemetry: Sequence[Telemetry], max_gap_s: float = 60.0
) -> list[Telemetry | None]:
    """For each fix, the telemetry row nearest in time (``None`` if none within ``max_gap_s``).

    ``telemetry`` must be in time order (as :func:`telemetry_during` gives it).
    """
    times = [t.time for t in telemetry if t.time is not None]
    rows = [t for t in telemetry if t.time is not None]
    result: list[Telemetry | None] = []
    for fix in fixes:
        i = bisect.bisect_left(times, fix.time)
        best: Telemetry | None = None
        best_gap = max_gap_s
        for j in (i - 1, i):
            if 0 <= j < len(rows):
                gap = abs((times[j] - fix.time).total_seconds())
                if gap <= best_gap:
                    best, best_gap = rows[j], gap
        result.append(best)
    return result


def flight_exports(
    fixes: Iterable[Fix],
    telemetry: Iterable[Telemetry] = (),
    *,
    with_predictions: bool = True,
    id_prefix: str | None = None,
) -> list[FlightExport]:
    """Every flight in the fixes (any trackers), numbered per tracker from 1 in time order.

    The ``flight_id`` of a flight is ``TRACKER:N`` (``id_prefix:N`` if given). This is the
    in-memory path; :mod:`.source` reads flights from a database.
    """
    rows = list(telemetry)
    numbers: dict[str, int] = {}
    exports: list[FlightExport] = []
    for flight in split_flights(fixes):
        numbers[flight.tracker] = numbers.get(flight.tracker, 0) + 1
        prefix = id_prefix if id_prefix is not None else flight.tracker
        exports.append(
            FlightExport(
                flight_id=f"{prefix}:{numbers[flight.tracker]}",
                flight=flight,
                telemetry=telemetry_during(flight, rows),
                predictions=tuple(predictions_during(flight)) if with_predictions else (),
            )
        )
    return exports


def latest_station(stations: Iterable[StationFix], before: datetime) -> StationFix | None:
    """The station's last known position at ``before`` (else its first one after)."""
    ordered = sorted(stations, key=lambda s: s.time)
    earlier = [s for s in ordered if s.time <= before]
    if earlier:
        return earlier[-1]
    return ordered[0] if ordered else None


def utc_text(t: datetime) -> str:
    """UTC ISO 8601 with milliseconds and a ``Z``, as the database stores times."""
    if t.utcoffset():
        t = t.astimezone(UTC)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Event:
    """A point of a flight worth marking: launch, burst, landing or the last fix."""

    kind: str
    title: str
    point: TrackPoint


def flight_events(flight: Flight, redacted_km: float | None = None) -> list[Event]:
    """The flight's launch (or first fix), burst, and landing (or last fix), in time order.

    With ``redacted_km`` the first point is named as the first one shared, not as a launch.
    """
    events: list[Event] = []
    if flight.launch is not None:
        events.append(Event("launch", "Launch", flight.launch))
    else:
        first = flight.fixes[0]
        alt = first.alt_m if first.alt_m is not None else math.nan
        point = TrackPoint(first.time, first.lat, first.lon, alt)
        title = (
            "First fix (already airborne)"
            if redacted_km is None
            else f"First shared fix (nothing within {redacted_km:g} km of launch is shown)"
        )
        events.append(Event("first fix", title, point))
    if flight.burst is not None:
        events.append(Event("burst", f"Burst at {flight.burst.alt_m:.0f} m", flight.burst))
    if flight.landing is not None:
        events.append(Event("landing", "Landing", flight.landing))
    elif flight.status == "in flight":
        events.append(Event("last fix", "Last fix (in flight)", flight.last))
    else:
        events.append(Event("last fix", flight.end_reason.capitalize(), flight.last))
    return events
