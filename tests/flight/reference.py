"""The flight analysis as it was before it was optimised: a plain, slow oracle (tests only).

These are the straightforward per-fix loops that :mod:`groundstation.flight.clean`,
:mod:`~groundstation.flight.phases` and :mod:`~groundstation.flight.flights` used to run (a
least-squares fit per fix, a neighbour scan per fix, a step per fix through each flight). The
optimised code must give exactly what this gives: the same flights, down to the last bit of
every float. The result types are the production ones, so results compare with ``==``.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from firmware_protocol.atmosphere import sea_level_equivalent_rate
from groundstation.flight.bands import band_fractions
from groundstation.flight.clean import CleanSettings, CleanTrack
from groundstation.flight.flights import BandRate, Flight, FlightStatus, TrackPoint
from groundstation.flight.geo import ground_distance_m, local_offset_m
from groundstation.flight.phases import Core, FlightSettings, Phase
from groundstation.flight.rates import MIN_POINTS, GroundVelocity
from groundstation.flight.wind import WindBand, WindProfile
from groundstation.models import Fix


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mx = sum(xs) / n
    my = sum(ys) / n
    sxx = sum((x - mx) * (x - mx) for x in xs)
    if sxx <= 0.0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    return slope, my - slope * mx


# -- clean
MIN_ALT_M = -500.0
MAX_ALT_M = 60_000.0
_M_PER_DEG_BOUND = 112_000.0  # a little over the length of one degree of a great circle


def _opt(value: float | None) -> tuple[int, float]:
    return (0, 0.0) if value is None else (1, float(value))


def fix_sort_key(
    fix: Fix,
) -> tuple[str, datetime, int, float, float, tuple[int, float], tuple[tuple[int, float], ...], str]:
    """A total order on fixes: by tracker, time, with altitude first, then every other field."""
    rest = tuple(_opt(v) for v in (fix.speed_mps, fix.course_deg, fix.sats, fix.hdop, fix.quality))
    has_alt = 0 if fix.alt_m is not None else 1
    return (fix.tracker, fix.time, has_alt, fix.lat, fix.lon, _opt(fix.alt_m), rest, fix.sentence)


def _finite(fix: Fix) -> bool:
    values = [fix.lat, fix.lon] + ([fix.alt_m] if fix.alt_m is not None else [])
    return all(math.isfinite(v) for v in values) and -90.0 <= fix.lat <= 90.0


def _inconsistent(a: Fix, b: Fix, s: CleanSettings) -> bool:
    dt = abs((b.time - a.time).total_seconds())
    vertical_limit = s.max_vertical_mps * dt + s.vertical_margin_m
    if a.alt_m is not None and b.alt_m is not None and abs(b.alt_m - a.alt_m) > vertical_limit:
        return True
    limit = s.max_horizontal_mps * dt + s.horizontal_margin_m
    # cheap bound first: the great-circle distance is at most the sum of the degree offsets
    if (abs(b.lat - a.lat) + abs(b.lon - a.lon)) * _M_PER_DEG_BOUND <= limit:
        return False
    return ground_distance_m(a.lat, a.lon, b.lat, b.lon) > limit


def reject_glitches(fixes: list[Fix], settings: CleanSettings) -> tuple[list[Fix], list[Fix]]:
    """Split time-ordered fixes into (kept, rejected) by consistency with their neighbours."""
    n = len(fixes)
    k = settings.neighbours
    if n < 3:
        return list(fixes), []
    kept: list[Fix] = []
    rejected: list[Fix] = []
    for i, fix in enumerate(fixes):
        lo = max(0, min(i - k, n - 1 - 2 * k))
        hi = min(n - 1, lo + 2 * k)
        others = [fixes[j] for j in range(lo, hi + 1) if j != i]
        bad = sum(1 for other in others if _inconsistent(fix, other, settings))
        if bad * 2 > len(others):
            rejected.append(fix)
        else:
            kept.append(fix)
    return kept, rejected


def clean_track(fixes: Iterable[Fix], settings: CleanSettings | None = None) -> CleanTrack:
    """Sort, de-duplicate and de-glitch the fixes of one tracker.

    Raises ``ValueError`` if the fixes come from more than one tracker.
    """
    s = settings or CleanSettings()
    ordered = sorted(fixes, key=fix_sort_key)
    if len({f.tracker for f in ordered}) > 1:
        raise ValueError("clean_track() takes the fixes of one tracker")
    unique: list[Fix] = []
    duplicates = 0
    for fix in ordered:
        if unique and unique[-1].time == fix.time and unique[-1].tracker == fix.tracker:
            duplicates += 1
            continue
        unique.append(fix)
    impossible: list[Fix] = []
    candidates: list[Fix] = []
    without_altitude = 0
    for fix in unique:
        if fix.alt_m is None:
            without_altitude += 1
        elif not _finite(fix) or not MIN_ALT_M <= fix.alt_m <= MAX_ALT_M:
            impossible.append(fix)
        else:
            candidates.append(fix)
    kept, glitches = reject_glitches(candidates, s)
    rejected = sorted(impossible + glitches, key=fix_sort_key)
    return CleanTrack(
        fixes=tuple(kept),
        rejected=tuple(rejected),
        duplicates=duplicates,
        without_altitude=without_altitude,
    )


# -- phases
_MAX_FIT_POINTS = 24


@dataclass(frozen=True, slots=True)
class Series:
    """A clean track as parallel lists: seconds since its first fix, and altitudes."""

    fixes: tuple[Fix, ...]
    ts: tuple[float, ...]
    alts: tuple[float, ...]

    @classmethod
    def of(cls, fixes: Sequence[Fix]) -> Series:
        if not fixes:
            return cls((), (), ())
        t0 = fixes[0].time
        ts = tuple((f.time - t0).total_seconds() for f in fixes)
        alts = tuple(f.alt_m if f.alt_m is not None else float("nan") for f in fixes)
        return cls(tuple(fixes), ts, alts)

    def __len__(self) -> int:
        return len(self.fixes)

    def slope(self, lo: int, hi: int) -> float | None:
        """Fitted vertical rate over fixes ``lo..hi`` (inclusive), thinned to a few dozen."""
        count = hi - lo + 1
        if count < 3:
            return None
        step = max(1, count // _MAX_FIT_POINTS)
        idx = list(range(lo, hi + 1, step))
        if idx[-1] != hi:
            idx.append(hi)
        fit = linear_fit([self.ts[i] for i in idx], [self.alts[i] for i in idx])
        return None if fit is None else fit[0]

    def last_within(self, i: int, seconds: float) -> int:
        """The last index whose time is at most ``seconds`` after fix ``i``."""
        j = i
        limit = self.ts[i] + seconds
        while j + 1 < len(self.ts) and self.ts[j + 1] <= limit:
            j += 1
        return j


def forward_rates(series: Series, window_s: float) -> list[float | None]:
    """Vertical rate over the ``window_s`` after each fix (``None`` if too few fixes there)."""
    rates: list[float | None] = []
    hi = 0
    n = len(series)
    for i in range(n):
        hi = max(hi, i)
        while hi + 1 < n and series.ts[hi + 1] <= series.ts[i] + window_s:
            hi += 1
        if series.ts[hi] - series.ts[i] < window_s / 2:
            rates.append(None)
        else:
            rates.append(series.slope(i, hi))
    return rates


@dataclass(frozen=True, slots=True)
class _Start:
    index: int
    launch: int | None
    ground_alt_m: float | None
    descending: bool


def detect_flights(series: Series, fw: Sequence[float | None], s: FlightSettings) -> list[Core]:
    """All flights in a series, in time order, given its :func:`forward_rates`."""
    n = len(series)
    if n < 3:
        return []
    cores: list[Core] = []
    i = 0
    while i < n:
        start = _find_start(series, fw, i, s)
        if start is None:
            break
        core = _follow(series, fw, start, s)
        cores.append(core)
        i = core.last + 1
    return cores


def _segment_first(series: Series, j: int, floor: int, gap_s: float) -> int:
    k = j
    while k > floor and series.ts[k] - series.ts[k - 1] <= gap_s:
        k -= 1
    return k


def _reaches(series: Series, j: int, direction: int, height: float, within_s: float) -> bool:
    k = j + 1
    base = series.alts[j]
    while k < len(series) and series.ts[k] - series.ts[j] <= within_s:
        if direction * (series.alts[k] - base) >= height:
            return True
        k += 1
    return False


def _find_start(
    series: Series, fw: Sequence[float | None], i: int, s: FlightSettings
) -> _Start | None:
    within = s.min_climb_m / s.climb_rate_mps
    for j in range(i, len(series)):
        rate = fw[j]
        if rate is None:
            continue
        if rate >= s.climb_rate_mps and _reaches(series, j, 1, s.min_climb_m, within):
            first = _segment_first(series, j, i, s.split_gap_s)
            return _launch_from(series, j, first, s)
        if rate <= -s.climb_rate_mps and _reaches(series, j, -1, s.min_climb_m, within):
            first = _segment_first(series, j, i, s.split_gap_s)
            if series.ts[j] - series.ts[first] <= s.rate_window_s:
                return _Start(first, None, None, descending=True)
    return None


def _launch_from(series: Series, j: int, first: int, s: FlightSettings) -> _Start:
    ts, alts = series.ts, series.alts
    k = j
    while k > first and ts[k - 1] >= ts[j] - s.ground_window_s:
        k -= 1
    ground = statistics.median(alts[k : j + 1])
    c = j
    while c + 1 < len(series) and alts[c] <= ground + s.burst_tolerance_m:
        c += 1
    t_start = ts[c]
    hi = series.last_within(c, s.rate_window_s)
    idx = range(c, hi + 1)
    fit = linear_fit([ts[m] for m in idx], [alts[m] for m in idx])
    if fit is not None and fit[0] > 0:
        t_start = (ground - fit[1]) / fit[0]
    launch = min(range(first, c + 1), key=lambda m: (abs(ts[m] - t_start), m))
    if launch == first:
        return _Start(first, None, None, descending=False)
    return _Start(launch, launch, ground, descending=False)


def _drop_end(series: Series, k: int, s: FlightSettings) -> int | None:
    """The fix where a descent starting near ``k`` has fallen ``burst_drop_m`` below its top."""
    top = series.alts[k]
    limit = s.rate_window_s + s.burst_drop_m / s.climb_rate_mps
    m = k + 1
    while m < len(series) and series.ts[m] - series.ts[k] <= limit:
        top = max(top, series.alts[m])
        if series.alts[m] <= top - s.burst_drop_m:
            return m
        m += 1
    return None


def _landing_at(series: Series, k: int, s: FlightSettings) -> tuple[int, int] | None:
    hi = series.last_within(k, s.land_window_s)
    # Where the data ends (trackers are often heard for only a short while after landing, or
    # just landed in a live view) a shorter level stretch will do.
    need_s = s.land_window_s / (4 if hi == len(series) - 1 else 2)
    if hi - k + 1 < 3 or series.ts[hi] - series.ts[k] < need_s:
        return None
    window = series.alts[k : hi + 1]
    if max(window) - min(window) > s.land_max_spread_m:
        return None
    rate = series.slope(k, hi)
    if rate is None or abs(rate) > s.land_max_rate_mps:
        return None
    settled = statistics.median(window)
    land = next(m for m in range(k, hi + 1) if series.alts[m] <= settled + s.land_tolerance_m)
    return land, hi


def _follow(series: Series, fw: Sequence[float | None], start: _Start, s: FlightSettings) -> Core:
    alts, ts = series.alts, series.ts
    n = len(series)
    a = start.index
    ground = start.ground_alt_m
    descending = start.descending
    burst: int | None = None
    descent_from: int | None = a if descending else None
    ascent_from = a
    regain_within = s.burst_drop_m / s.climb_rate_mps
    k = a
    while True:
        rate = fw[k]
        near_ground = ground is not None and alts[k] <= ground + s.min_climb_m
        may_land = k > a and (descending or near_ground)
        if may_land and rate is not None and abs(rate) <= s.climb_rate_mps:
            landing = _landing_at(series, k, s)
            if landing is not None:
                land, land_end = landing
                return Core(a, start.launch, ground, burst, descent_from, land, land_end, land)
        falling = rate is not None and rate <= -s.climb_rate_mps
        climbing = rate is not None and rate >= s.climb_rate_mps
        if not descending and falling:
            end = _drop_end(series, k, s)
            if end is not None:
                top = max(alts[ascent_from : end + 1])
                burst = max(
                    m for m in range(ascent_from, end + 1) if alts[m] >= top - s.burst_tolerance_m
                )
                descending = True
                descent_from = burst
        elif descending and climbing and _reaches(series, k, 1, s.burst_drop_m, regain_within):
            # what looked like a burst was a dip: the balloon is climbing again
            descending = False
            burst = descent_from = None
            ascent_from = k
        if k + 1 >= n:
            break
        long_gap = ts[k + 1] - ts[k] > s.split_gap_s
        if long_gap and alts[k + 1] <= (ground or 0.0) + s.resume_height_m:
            break
        k += 1
    return Core(a, start.launch, ground, burst, descent_from, None, None, k)


# -- flights


def split_flights(
    fixes: Iterable[Fix], settings: FlightSettings | None = None, now: datetime | None = None
) -> list[Flight]:
    """All flights in the fixes, ordered by start time then tracker.

    ``now`` is the current time when analysing live data: a flight whose last fix is the
    tracker's latest and at most ``lost_after_s`` old is ``"in flight"``. Without ``now`` the data
    is taken as complete, and a flight that did not land ended with its signal lost.
    """
    s = settings or FlightSettings()
    by_tracker: dict[str, list[Fix]] = {}
    for fix in fixes:
        by_tracker.setdefault(fix.tracker, []).append(fix)
    flights: list[Flight] = []
    for tracker in sorted(by_tracker):
        track = clean_track(by_tracker[tracker], s.clean)
        flights.extend(track_flights(tracker, track, s, now))
    flights.sort(key=lambda f: (f.start_time, f.tracker))
    return flights


def track_flights(
    tracker: str, track: CleanTrack, s: FlightSettings, now: datetime | None = None
) -> list[Flight]:
    """The flights in one tracker's clean track."""
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
    on the fix. A float that ends less than a window before the burst lasts until the burst.
    """
    end = core.burst if core.burst is not None else core.last
    if core.descent_from is not None and core.burst is None:
        return []
    base = core.ground_alt_m if core.ground_alt_m is not None else series.alts[core.first]
    runs: list[tuple[int, int]] = []
    run_start: int | None = None
    behind = core.first
    for i in range(core.first, end + 2):
        level = False
        if i <= end:
            while series.ts[behind] < series.ts[i] - s.rate_window_s / 2:
                behind += 1
            rate = rates[behind]
            level = (
                rate is not None
                and abs(rate) <= s.float_max_rate_mps
                and series.alts[i] >= base + s.float_min_height_m
            )
        if level and run_start is None:
            run_start = i
        elif not level and run_start is not None:
            if series.ts[i - 1] - series.ts[run_start] >= s.float_min_s:
                last = i - 1
                if core.burst is not None and series.ts[end] - series.ts[last] <= s.rate_window_s:
                    last = end
                runs.append((run_start, last))
            run_start = None
    return runs


def _descending(core: Core, i: int) -> bool:
    if core.burst is not None:
        return i > core.burst
    return core.descent_from is not None and i >= core.descent_from


def _phases(core: Core, lo: int, hi: int, floats: Sequence[tuple[int, int]]) -> list[Phase]:
    phases: list[Phase] = []
    for i in range(lo, hi + 1):
        phase: Phase
        if i < core.first:
            phase = "pre-launch"
        elif core.landing is not None and i >= core.landing:
            phase = "landed"
        elif _descending(core, i):
            phase = "descent"
        elif any(a <= i <= b for a, b in floats):
            phase = "float"
        else:
            phase = "ascent"
        phases.append(phase)
    return phases


def _band_rates(
    series: Series, lo: int, phases: Sequence[Phase], band_m: float
) -> tuple[tuple[BandRate, ...], float | None, float | None]:
    """Per-band rates and the overall mean ascent and descent speeds."""
    up: dict[int, list[float]] = {}
    down: dict[int, list[float]] = {}
    for offset in range(len(phases) - 1):
        before, after = phases[offset], phases[offset + 1]
        if before == "ascent" and after == "ascent":
            sums = up
        elif after == "descent" or (before == "descent" and after == "landed"):
            sums = down
        else:
            continue
        i = lo + offset
        dh = series.alts[i + 1] - series.alts[i]
        dt = series.ts[i + 1] - series.ts[i]
        for band, share in band_fractions(series.alts[i], series.alts[i + 1], band_m):
            acc = sums.setdefault(band, [0.0, 0.0])
            acc[0] += share * dh
            acc[1] += share * dt

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
    total = 0.0
    prev = first
    for i in range(first + 1, last + 1):
        if i == last or series.ts[i] - series.ts[prev] >= step_s:
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
    floats = _floats(series, rates, core, s)
    phases = _phases(core, lo, hi, floats)
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
        floats=tuple((fixes[a].time, fixes[b].time) for a, b in floats),
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


# -- rates and wind
def window_fixes(
    fixes: Iterable[Fix], at: datetime | None, window_s: float, *, need_alt: bool
) -> list[Fix]:
    """The fixes in ``(at - window_s, at]`` in time order (``at`` defaults to the latest)."""
    usable = [f for f in fixes if f.alt_m is not None or not need_alt]
    if not usable:
        return []
    end = at if at is not None else max(f.time for f in usable)
    start = end - timedelta(seconds=window_s)
    chosen = [f for f in usable if start < f.time <= end]
    chosen.sort(key=lambda f: f.time)
    return chosen


def _usable(window: Sequence[Fix], window_s: float) -> bool:
    if len(window) < MIN_POINTS:
        return False
    span = (window[-1].time - window[0].time).total_seconds()
    return span >= window_s / 4.0


def ascent_rate(
    fixes: Iterable[Fix], at: datetime | None = None, window_s: float = 60.0
) -> float | None:
    """Vertical speed in m/s (positive up) over the window, from a straight-line fit."""
    window = window_fixes(fixes, at, window_s, need_alt=True)
    if not _usable(window, window_s):
        return None
    t0 = window[0].time
    xs = [(f.time - t0).total_seconds() for f in window]
    ys = [f.alt_m for f in window if f.alt_m is not None]
    fit = linear_fit(xs, ys)
    return None if fit is None else fit[0]


def mean_altitude(
    fixes: Iterable[Fix], at: datetime | None = None, window_s: float = 60.0
) -> float | None:
    """Mean altitude of the fixes in the window."""
    alts = [
        f.alt_m for f in window_fixes(fixes, at, window_s, need_alt=True) if f.alt_m is not None
    ]
    return math.fsum(alts) / len(alts) if alts else None


def ground_velocity(
    fixes: Iterable[Fix], at: datetime | None = None, window_s: float = 60.0
) -> GroundVelocity | None:
    """Horizontal velocity over the window, from straight-line fits to east and north offsets."""
    window = window_fixes(fixes, at, window_s, need_alt=False)
    if not _usable(window, window_s):
        return None
    ref = window[-1]
    t0 = window[0].time
    xs: list[float] = []
    easts: list[float] = []
    norths: list[float] = []
    for f in window:
        east, north = local_offset_m(ref.lat, ref.lon, f.lat, f.lon)
        xs.append((f.time - t0).total_seconds())
        easts.append(east)
        norths.append(north)
    fit_e = linear_fit(xs, easts)
    fit_n = linear_fit(xs, norths)
    if fit_e is None or fit_n is None:
        return None
    ve, vn = fit_e[0], fit_n[0]
    speed = math.hypot(ve, vn)
    heading = math.degrees(math.atan2(ve, vn)) % 360.0 if speed >= 0.1 else None
    return GroundVelocity(east_mps=ve, north_mps=vn, speed_mps=speed, heading_deg=heading)


def sea_level_descent_rate(
    fixes: Iterable[Fix], at: datetime | None = None, window_s: float = 60.0
) -> float | None:
    """The sea-level-equivalent descent speed (positive, m/s) of the fixes in the window.

    The measured descent speed is scaled by the square root of the air density at the window's
    mean altitude, which is what a parachute's sea-level descent speed would be. ``None`` when
    the window is unusable or the tracker is not descending.
    """
    window = window_fixes(fixes, at, window_s, need_alt=True)
    rate = ascent_rate(window, None, window_s) if window else None
    if rate is None or rate >= 0.0:
        return None
    alt = mean_altitude(window, None, window_s)
    if alt is None:
        return None
    return sea_level_equivalent_rate(alt, -rate)


def wind_profile(
    fixes: Sequence[Fix], band_m: float = 250.0, max_step_s: float = 300.0
) -> WindProfile:
    """The wind profile from airborne fixes in time order (steps over ``max_step_s`` skipped)."""
    sums: dict[int, list[float]] = {}
    usable = [f for f in fixes if f.alt_m is not None]
    for a, b in zip(usable, usable[1:], strict=False):
        dt = (b.time - a.time).total_seconds()
        if dt <= 0 or dt > max_step_s or a.alt_m is None or b.alt_m is None:
            continue
        east, north = local_offset_m(a.lat, a.lon, b.lat, b.lon)
        for band, share in band_fractions(a.alt_m, b.alt_m, band_m):
            acc = sums.setdefault(band, [0.0, 0.0, 0.0])
            acc[0] += share * east
            acc[1] += share * north
            acc[2] += share * dt
    bands = tuple(
        WindBand(
            bottom_m=band * band_m,
            top_m=(band + 1) * band_m,
            east_mps=acc[0] / acc[2],
            north_mps=acc[1] / acc[2],
            seconds=acc[2],
        )
        for band, acc in sorted(sums.items())
        if acc[2] > 0
    )
    return WindProfile(band_m=band_m, bands=bands)
