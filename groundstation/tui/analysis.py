"""Flight analysis of one tracker for the live view, run in a worker thread (no Textual here).

Splitting a track into flights and predicting the landing cost time that grows with the track,
so the live view runs :func:`analyse` per tracker at most every few seconds, on a thinned copy of
the fixes it holds (:func:`thin`), never in the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from groundstation.flight import (
    Flight,
    FlightSettings,
    Phase,
    Prediction,
    ground_distance_m,
    predict_flight,
    split_flights,
)
from groundstation.models import Fix
from groundstation.tui.settings import Station

log = logging.getLogger(__name__)

MAX_ANALYSIS_FIXES = 3000
"""Fixes beyond this are thinned out (evenly in time) before a flight analysis."""
BURST_TOLERANCE_M = FlightSettings().burst_tolerance_m


@dataclass(frozen=True, slots=True)
class Analysis:
    """What flight analysis says about a tracker's latest flight at ``now``."""

    tracker: str
    now: datetime
    flight: Flight | None
    prediction: Prediction | None
    landing_distance_m: float | None
    """From the station to the predicted landing (from the balloon without a station)."""
    seconds: float = 0.0
    """How long the analysis took (to pace the next one)."""

    @property
    def phase(self) -> Phase | None:
        return self.flight.phases[-1] if self.flight is not None else None

    @property
    def time_to_landing(self) -> timedelta | None:
        if self.prediction is None:
            return None
        return self.prediction.landing.time - self.now


def thin(fixes: Sequence[Fix], max_points: int = MAX_ANALYSIS_FIXES) -> list[Fix]:
    """At most about ``max_points`` fixes, evenly spaced in time; the newest is always kept, and
    so are the fixes that place the burst: the highest one and the last one near its altitude
    (the burst is the last fix within ``burst_tolerance_m`` of the top, so the live view names
    the burst the whole track gives, not one a few metres lower)."""
    if len(fixes) <= max_points:
        return list(fixes)
    span = (fixes[-1].time - fixes[0].time).total_seconds()
    step = span / max_points
    keep: list[int] = []
    last: datetime | None = None
    for i, fix in enumerate(fixes):
        if last is None or (fix.time - last).total_seconds() >= step:
            keep.append(i)
            last = fix.time
    keep.append(len(fixes) - 1)
    alts = [fix.alt_m for fix in fixes]
    heights = [(alt, i) for i, alt in enumerate(alts) if alt is not None]
    if heights:
        top, highest = max(heights)
        near = top - BURST_TOLERANCE_M
        keep.append(highest)
        keep.append(max(i for alt, i in heights if alt >= near))
    return [fixes[i] for i in sorted(set(keep))]


def analyse(tracker: str, fixes: Sequence[Fix], now: datetime, station: Station | None) -> Analysis:
    """The latest flight in ``fixes`` (one tracker's, time-ordered) and its predicted landing.

    ``now`` is in the tracker's own time (its last fix time plus the age of that fix), so a
    sped-up emulator or a replayed log is judged by its own clock.
    """
    import time

    started = time.perf_counter()
    flight: Flight | None = None
    prediction: Prediction | None = None
    distance: float | None = None
    try:
        flights = split_flights(thin(fixes), now=now)
        flight = flights[-1] if flights else None
        if flight is not None and flight.status == "in flight":
            prediction = predict_flight(flight)
    except Exception:  # analysis must never take the view down; the table still updates
        log.exception("flight analysis of %r failed", tracker)
    if prediction is not None:
        landing = prediction.landing
        if station is not None:
            distance = ground_distance_m(station.lat, station.lon, landing.lat, landing.lon)
        elif fixes:
            last = fixes[-1]
            distance = ground_distance_m(last.lat, last.lon, landing.lat, landing.lon)
    return Analysis(tracker, now, flight, prediction, distance, time.perf_counter() - started)
