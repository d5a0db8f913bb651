"""Split a tracker's fixes into flights, with their phases, events and rates.

:func:`split_flights` takes fixes of one or more trackers in any order (with duplicates, glitches
and gaps), cleans each tracker's track (:mod:`.clean`), finds the flights in it (:mod:`.phases`
has the rules) and describes each as a :class:`Flight`. The same fixes in any order give the
same flights.

A flight's ``fixes`` are the clean fixes from up to ``pre_launch_s`` before launch to up to
``post_landing_s`` after landing, each with its phase in ``phases``. Rates are in m/s, and
descent rates are speeds (positive when going down). Fixes without an altitude take no part.
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

import numpy as np

from groundstation.flight.arrays import Ints, floats
from groundstation.flight.bands import band_sums
from groundstation.flight.clean import CleanTrack, clean_with_times
from groundstation.flight.geo import ground_distance_m
from groundstation.flight.phases import (
    PHASE_ORDER,
    Core,
    FlightSettings,
    Phase,
    Series,
    detect_flights,
    forward_rates,
)
from groundstation.models import Fix

FlightStatus = Literal["landed", "signal lost", "in flight"]


class TrackPoint(NamedTuple):
    """A moment of a flight: time (UTC), latitude, longitude, altitude in metres."""

    time: datetime
    lat: float
    lon: float
    alt_m: float


@dataclass(frozen=True, slots=True)
class BandRate:
    """Mean ascent and descent speed within ``[bottom_m, top_m)`` (``None`` if not flown)."""

    bottom_m: float
    top_m: float
    ascent_mps: float | None
    descent_mps: float | None


@dataclass(frozen=True, slots=True)
class Flight:
    """One flight of one tracker.

    ``launch`` is ``None`` when the track began with the tracker already airborne, ``burst``
    when it has not (yet, or visibly) burst, ``landing`` when it has not landed. ``last`` is
    the last airborne fix: the landing, or where the signal was lost. ``end_reason`` is
    ``"landed"``, ``"in flight"`` or e.g. ``"signal lost at 12345 m"``. ``floats`` are the
    stretches at a near-constant high altitude. ``duration`` runs from launch (or the first
    airborne fix) to landing (or the last fix). ``path_length_m`` is measured along fixes at
    least ``path_step_s`` apart, so GPS jitter does not add to it. ``rejected_count`` counts the
    implausible fixes dropped within the flight's time span.
    """

    tracker: str
    fixes: tuple[Fix, ...]
    phases: tuple[Phase, ...]
    launch: TrackPoint | None
    burst: TrackPoint | None
    landing: TrackPoint | None
    last: TrackPoint
    max_alt_m: float
    status: FlightStatus
    end_reason: str
    floats: tuple[tuple[datetime, datetime], ...]
    duration: timedelta
    ascent_rate_mps: float | None
    descent_rate_mps: float | None
    band_rates: tuple[BandRate, ...]
    path_length_m: float
    launch_to_landing_m: float | None
    fix_count: int
    rejected_count: int

    @property
    def start_time(self) -> datetime:
        return self.fixes[0].time

    @property
    def key_time(self) -> datetime:
        """When the flight began as the user knows it (its row's ``key_time``, the time in its
        name on maps and exports): the launch, or the first fix when the launch was not heard
        (the track began airborne)."""
        return self.launch.time if self.launch is not None else self.start_time

    @property
    def end_time(self) -> datetime:
        return self.fixes[-1].time

    def phase_at(self, time: datetime) -> Phase | None:
        """The phase of the latest fix at or before ``time`` (``None`` before the first fix)."""
        times = [f.time for f in self.fixes]
        i = bisect.bisect_right(times, time) - 1
        return self.phases[i] if i >= 0 else None

    def fixes_in(self, *phases: Phase) -> tuple[Fix, ...]:
        """The fixes in any of the given phases, in time order."""
        return tuple(itertools.compress(self.fixes, map(set(phases).__contains__, self.phases)))


def split_flights(
    fixes: Iterable[Fix], settings: FlightSettings | None = None, now: datetime | None = None
) -> list[Flight]:
    """All flights in the fixes, ordered by start time then tracker.

    ``now`` is the current time when analysing live data: a flight whose last fix is the
    tracker's latest and at most ``lost_after_s`` old is ``"in flight"``. Without ``now`` the data
    is taken as complete, and a flight that did not land ended with its signal lost.
    """
    s = settings or FlightSettings()
    given = list(fixes)
    trackers = {f.tracker for f in given}
    by_tracker: dict[str, list[Fix]] = {}
    if len(trackers) == 1:
        by_tracker[trackers.pop()] = given
    else:
        for fix in given:
            by_tracker.setdefault(fix.tracker, []).append(fix)
    flights: list[Flight] = []
    for tracker in sorted(by_tracker):
        track, micros = clean_with_times(by_tracker[tracker], s.clean)
        flights.extend(track_flights(tracker, track, s, now, Series.of(track.fixes, micros)))
    flights.sort(key=lambda f: (f.start_time, f.tracker))
    return flights


def track_flights(
    tracker: str,
    track: CleanTrack,
    s: FlightSettings,
    now: datetime | None = None,
    series: Series | None = None,
) -> list[Flight]:
    """The flights in one tracker's clean track (``series``: its :class:`.phases.Series`)."""
    if series is None:
        series = Series.of(track.fixes)
    rates = forward_rates(series, s.rate_window_s)
    cores = detect_flights(series, rates, s)
    flights: list[Flight] = []
    claimed = -1  # last index taken by a previous flight
    rejected_times = [f.time for f in track.rejected]
    for number, core in enumerate(cores):
        lo = _pre_launch_start(series, core, claimed, s)
        next_first = cores[number + 1].first if number + 1 < len(cores) else len(series)
        hi = _post_landing_end(series, core, next_first, s)
        claimed = hi
        flights.append(_describe(tracker, series, rates, core, lo, hi, rejected_times, s, now))
    return flights


def _pre_launch_start(series: Series, core: Core, claimed: int, s: FlightSettings) -> int:
    lo = core.first
    if core.launch is None:
        return lo
    while (
        lo - 1 > claimed
        and series.ts[core.first] - series.ts[lo - 1] <= s.pre_launch_s
        and series.ts[lo] - series.ts[lo - 1] <= s.split_gap_s
    ):
        lo -= 1
    return lo


def _post_landing_end(series: Series, core: Core, next_first: int, s: FlightSettings) -> int:
    hi = core.last
    if core.landing is None:
        return hi
    while (
        hi + 1 < next_first
        and series.ts[hi + 1] - series.ts[core.landing] <= s.post_landing_s
        and series.ts[hi + 1] - series.ts[hi] <= s.split_gap_s
    ):
        hi += 1
    return hi


def _point(fix: Fix, alt_m: float | None = None) -> TrackPoint:
    alt = alt_m if alt_m is not None else fix.alt_m
    return TrackPoint(fix.time, fix.lat, fix.lon, alt if alt is not None else math.nan)


def _floats(
    series: Series, rates: Sequence[float | None], core: Core, s: FlightSettings
) -> list[tuple[int, int]]:
    """Index ranges of floats: long, level stretches high above launch before any descent.

    The level test uses the forward rate of the fix half a window earlier, i.e. a window centred
    on the fix (the first fix at most half a window before it, but not before the flight). A
    float that ends less than a window before the burst lasts until the burst.
    """
    end = core.burst if core.burst is not None else core.last
    if core.descent_from is not None and core.burst is None:
        return []
    base = core.ground_alt_m if core.ground_alt_m is not None else series.alts[core.first]
    first = core.first
    ts = series.t_array[first : end + 1]
    behind = np.searchsorted(ts, ts - s.rate_window_s / 2, side="left")
    rate = floats(rates[first : end + 1])[behind]
    level = (np.abs(rate) <= s.float_max_rate_mps) & (
        series.alt_array[first : end + 1] >= base + s.float_min_height_m
    )
    edges = np.diff(np.concatenate(([False], level, [False])).astype(np.int8))
    starts = (np.flatnonzero(edges == 1) + first).tolist()
    stops = (np.flatnonzero(edges == -1) + first).tolist()  # the first fix after each run
    runs: list[tuple[int, int]] = []
    for run_start, stop in zip(starts, stops, strict=True):
        if series.ts[stop - 1] - series.ts[run_start] >= s.float_min_s:
            last = stop - 1
            if core.burst is not None and series.ts[end] - series.ts[last] <= s.rate_window_s:
                last = end
            runs.append((run_start, last))
    return runs


def _phases(core: Core, lo: int, hi: int, floats: Sequence[tuple[int, int]]) -> list[Phase]:
    """The phase of each fix ``lo..hi``: before the first airborne fix "pre-launch", from the
    landing "landed", after the burst (or from the start of a descent) "descent", within a
    float "float", otherwise "ascent" (the first that applies)."""
    phases: list[Phase] = ["ascent"] * (hi - lo + 1)

    def mark(start: int, stop: int, phase: Phase) -> None:  # fixes start..stop - 1
        start, stop = max(start, lo), min(stop, hi + 1)
        if start < stop:
            phases[start - lo : stop - lo] = [phase] * (stop - start)

    for a, b in floats:
        mark(a, b + 1, "float")
    if core.burst is not None:
        mark(core.burst + 1, hi + 1, "descent")
    elif core.descent_from is not None:
        mark(core.descent_from, hi + 1, "descent")
    if core.landing is not None:
        mark(core.landing, hi + 1, "landed")
    mark(lo, core.first, "pre-launch")
    return phases


_PHASE_CODES: dict[Phase, int] = {phase: code for code, phase in enumerate(PHASE_ORDER)}


def _band_rates(
    series: Series, lo: int, phases: Sequence[Phase], band_m: float
) -> tuple[tuple[BandRate, ...], float | None, float | None]:
    """Per-band rates and the overall mean ascent and descent speeds.

    A step between two fixes counts as ascent when both are in the ascent, as descent when it
    ends in the descent or goes from the descent to the landing.
    """
    codes = np.array([_PHASE_CODES[p] for p in phases], dtype=np.int8)
    before, after = codes[:-1], codes[1:]
    ascent, descent, landed = (_PHASE_CODES[p] for p in ("ascent", "descent", "landed"))
    rising = (before == ascent) & (after == ascent)
    falling = ~rising & ((after == descent) | ((before == descent) & (after == landed)))
    if band_m <= 0 and (rising.any() or falling.any()):
        raise ValueError("band_m must be positive")
    raw_alts = series.alts[lo : lo + len(phases)]
    alts = series.alt_array[lo : lo + len(phases)]
    ts = series.t_array[lo : lo + len(phases)]
    bands = np.floor(alts / band_m) if band_m > 0 else alts
    dh = alts[1:] - alts[:-1]
    dt = ts[1:] - ts[:-1]

    def sums(steps: Ints) -> dict[int, list[float]]:
        return band_sums(steps, raw_alts, bands, band_m, [dh[steps], dt[steps]])

    up, down = sums(np.flatnonzero(rising)), sums(np.flatnonzero(falling))

    def mean(sums: dict[int, list[float]], sign: float) -> float | None:
        height = math.fsum(v[0] for v in sums.values())
        time = math.fsum(v[1] for v in sums.values())
        return sign * height / time if time > 0 else None

    rates = []
    for band in sorted(set(up) | set(down)):
        u, d = up.get(band), down.get(band)
        rates.append(
            BandRate(
                bottom_m=band * band_m,
                top_m=(band + 1) * band_m,
                ascent_mps=u[0] / u[1] if u and u[1] > 0 else None,
                descent_mps=-d[0] / d[1] if d and d[1] > 0 else None,
            )
        )
    return tuple(rates), mean(up, 1.0), mean(down, -1.0)


def _path_length(series: Series, first: int, last: int, step_s: float) -> float:
    """Great-circle distance along fixes ``first..last``, stepping to the next fix at least
    ``step_s`` after the previous one (and to ``last`` at the end)."""
    ts = series.ts
    total = 0.0
    prev = first
    while prev < last:
        start = ts[prev]
        i = bisect.bisect_left(ts, True, prev + 1, last, key=lambda t: t - start >= step_s)
        a, b = series.fixes[prev], series.fixes[i]
        total += ground_distance_m(a.lat, a.lon, b.lat, b.lon)
        prev = i
    return total


def _describe(
    tracker: str,
    series: Series,
    rates: Sequence[float | None],
    core: Core,
    lo: int,
    hi: int,
    rejected_times: Sequence[datetime],
    s: FlightSettings,
    now: datetime | None,
) -> Flight:
    fixes = series.fixes
    float_runs = _floats(series, rates, core, s)
    phases = _phases(core, lo, hi, float_runs)
    bands, ascent, descent = _band_rates(series, lo, phases, s.band_m)
    launch = None if core.launch is None else _point(fixes[core.launch], core.ground_alt_m)
    burst = None if core.burst is None else _point(fixes[core.burst])
    landing: TrackPoint | None = None
    if core.landing is not None:
        end = core.landing_end if core.landing_end is not None else core.landing
        window = fixes[core.landing : end + 1]
        landing = TrackPoint(
            fixes[core.landing].time,
            statistics.median(f.lat for f in window),
            statistics.median(f.lon for f in window),
            statistics.median(series.alts[core.landing : end + 1]),
        )
    last = landing or _point(fixes[core.last])
    status: FlightStatus
    if landing is not None:
        status, reason = "landed", "landed"
    elif (
        now is not None
        and core.last == len(series) - 1
        and (now - last.time).total_seconds() <= s.lost_after_s
    ):
        status, reason = "in flight", "in flight"
    else:
        status, reason = "signal lost", f"signal lost at {last.alt_m:.0f} m"
    span_lo = bisect.bisect_left(rejected_times, fixes[lo].time)
    span_hi = bisect.bisect_right(rejected_times, fixes[hi].time)
    return Flight(
        tracker=tracker,
        fixes=fixes[lo : hi + 1],
        phases=tuple(phases),
        launch=launch,
        burst=burst,
        landing=landing,
        last=last,
        max_alt_m=max(series.alts[core.first : core.last + 1]),
        status=status,
        end_reason=reason,
        floats=tuple((fixes[a].time, fixes[b].time) for a, b in float_runs),
        duration=last.time - fixes[core.first].time,
        ascent_rate_mps=ascent,
        descent_rate_mps=descent,
        band_rates=bands,
        path_length_m=_path_length(series, core.first, core.last, s.path_step_s),
        launch_to_landing_m=(
            ground_distance_m(launch.lat, launch.lon, landing.lat, landing.lon)
            if launch is not None and landing is not None
            else None
        ),
        fix_count=hi - lo + 1,
        rejected_count=span_hi - span_lo,
    )
