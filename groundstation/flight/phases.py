"""Find flights in a clean track: launches, bursts, landings and where the signal was lost.

This works on index positions in one tracker's clean track (see :mod:`.clean`) and is the engine
behind :func:`groundstation.flight.flights.split_flights`. The rules, with their defaults in
:class:`FlightSettings`:

- **Vertical rate** at a fix is the slope of a straight line fitted to the altitudes of the next
  ``rate_window_s`` seconds of fixes (a forward window, so a climb is seen from its first fix).
- **Launch**: a sustained climb, at least ``climb_rate_mps`` over the window, that goes on to
  gain ``min_climb_m`` at that average rate or faster. A tracker carried about or sitting on a
  table never does that. The launch is the fix nearest to where the fitted climb meets the ground
  level (median altitude of the ``ground_window_s`` before it). When the track begins already
  climbing (or descending), the flight starts at its first fix and its launch was not seen.
- **Burst**: sustained descent that falls ``burst_drop_m`` below the highest point. The burst is
  the last fix within ``burst_tolerance_m`` of that highest point, so a float that ends in a
  descent bursts where the float ends. A climb of ``burst_drop_m`` after a "burst" undoes it.
- **Landing**: during descent (or within ``min_climb_m`` of launch altitude), ``land_window_s`` of
  fixes whose altitudes spread less than ``land_max_spread_m`` with a near-zero slope (at least
  half of that window, or a quarter where the track ends). The landing is the first fix of that
  window at the settled altitude.
- **Gaps**: a gap of up to ``split_gap_s`` never ends a flight. After a longer gap the flight
  goes on only if the tracker is still high (``resume_height_m`` above launch); otherwise it
  ended where the signal was lost.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Literal

import numpy as np

from groundstation.flight.arrays import Bools, Floats, Ints, fix_micros, floats, seconds_of
from groundstation.flight.clean import CleanSettings
from groundstation.flight.rates import linear_fit
from groundstation.models import Fix

Phase = Literal["pre-launch", "ascent", "float", "descent", "landed"]
PHASE_ORDER: tuple[Phase, ...] = ("pre-launch", "ascent", "float", "descent", "landed")

_MAX_FIT_POINTS = 24
_ALT = attrgetter("alt_m")


@dataclass(frozen=True, slots=True)
class FlightSettings:
    """Thresholds of flight analysis (the defaults suit latex-balloon flights)."""

    rate_window_s: float = 60.0
    climb_rate_mps: float = 1.0
    min_climb_m: float = 200.0
    burst_drop_m: float = 300.0
    burst_tolerance_m: float = 30.0
    ground_window_s: float = 120.0
    land_window_s: float = 120.0
    land_max_spread_m: float = 60.0
    land_max_rate_mps: float = 0.5
    land_tolerance_m: float = 20.0
    float_max_rate_mps: float = 0.5
    float_min_s: float = 600.0
    float_min_height_m: float = 1000.0
    split_gap_s: float = 1800.0
    resume_height_m: float = 2000.0
    pre_launch_s: float = 1800.0
    post_landing_s: float = 1800.0
    band_m: float = 5000.0
    path_step_s: float = 30.0
    lost_after_s: float = 600.0
    clean: CleanSettings = field(default_factory=CleanSettings)


@dataclass(frozen=True, slots=True)
class Series:
    """A clean track as parallel lists: seconds since its first fix, and altitudes.

    ``t_array`` and ``alt_array`` hold the same as float arrays.
    """

    fixes: tuple[Fix, ...]
    ts: tuple[float, ...]
    alts: tuple[float, ...]
    t_array: Floats = field(compare=False, repr=False)
    alt_array: Floats = field(compare=False, repr=False)

    @classmethod
    def of(cls, fixes: Sequence[Fix], micros: Ints | None = None) -> Series:
        """The series of time-ordered fixes (``micros``: their times in microseconds from any
        origin, if already known)."""
        if not fixes:
            return cls((), (), (), floats([]), floats([]))
        if micros is None:
            micros = fix_micros(fixes, fixes[0].time)
        t_array = seconds_of(micros - micros[0])
        alts = tuple(map(_ALT, fixes))
        if None in alts:
            alts = tuple(math.nan if a is None else a for a in alts)
        return cls(tuple(fixes), tuple(t_array.tolist()), alts, t_array, floats(alts))

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
        return max(i, bisect.bisect_right(self.ts, self.ts[i] + seconds, i) - 1)


def forward_rates(series: Series, window_s: float) -> list[float | None]:
    """Vertical rate over the ``window_s`` after each fix (``None`` if too few fixes there).

    The rate at fix ``i`` is ``series.slope(i, hi)``, ``hi`` the last fix at most ``window_s``
    after it, or ``None`` when ``hi`` is less than half a window after it. The fits of many
    windows are done at once in numpy (see :func:`_slopes`).
    """
    n = len(series)
    ts, alts = series.t_array, series.alt_array
    first = np.arange(n)
    hi = np.maximum(first, np.searchsorted(ts, ts + window_s, side="right") - 1)
    count = hi - first + 1
    rows = np.flatnonzero((ts[hi] - ts >= window_s / 2) & (count >= 3))
    step = np.maximum(1, count // _MAX_FIT_POINTS)
    rates: list[float | None] = [None] * n
    for start in range(0, len(rows), _ROWS_AT_ONCE):
        some = rows[start : start + _ROWS_AT_ONCE]
        slopes, good = _slopes(ts, alts, some, hi[some], step[some])
        for i, slope in zip(some[good].tolist(), slopes[good].tolist(), strict=True):
            rates[i] = slope
    return rates


_ROWS_AT_ONCE = 8192


def _slopes(ts: Floats, alts: Floats, lo: Ints, hi: Ints, step: Ints) -> tuple[Floats, Bools]:
    """``Series.slope(lo, hi)`` for each row (with its ``step``), and where it is not ``None``.

    Row ``r`` fits the points ``range(lo[r], hi[r] + 1, step[r])``, plus ``hi[r]`` when the
    range misses it. Those are laid out down column ``r`` of a matrix, padded with zeros, and
    every sum adds the matrix's rows in order: each window's sums are accumulated one term at a
    time, exactly as :func:`.rates.linear_fit` accumulates them (adding a padding zero to a
    partial sum changes nothing: the partial sums are never ``-0.0``).
    """
    in_range = (hi - lo) // step + 1
    points = in_range + (lo + (in_range - 1) * step != hi)
    c = np.arange(int(points.max()))[:, np.newaxis]
    used = c < points
    idx = np.where(used, np.where(c < in_range, lo + c * step, hi), lo)
    x = np.where(used, ts[idx], 0.0)
    y = np.where(used, alts[idx], 0.0)
    size = points.astype(np.float64)
    mean_x = _add_rows(x) / size
    mean_y = _add_rows(y) / size
    dx = np.where(used, x - mean_x, 0.0)
    dy = np.where(used, y - mean_y, 0.0)
    sxx = _add_rows(dx * dx)
    sxy = _add_rows(dx * dy)
    good = sxx > 0.0
    slopes = np.divide(sxy, sxx, out=np.zeros(len(lo)), where=good)
    return slopes, good


def _add_rows(matrix: Floats) -> Floats:
    """The sum of a matrix's rows, added one row after the other to zeros."""
    total = np.zeros(matrix.shape[1])
    for row in matrix:
        total += row
    return total


@dataclass(frozen=True, slots=True)
class Core:
    """The index positions that define one flight within a series."""

    first: int  # first airborne fix: the launch, or the first fix of an airborne start
    launch: int | None
    ground_alt_m: float | None
    burst: int | None
    descent_from: int | None  # the burst, or ``first`` when the track began in descent
    landing: int | None
    landing_end: int | None  # last fix of the window that proved the landing
    last: int  # last airborne fix (the landing, if landed)


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
    marks = _Marks.of(series, fw, s)
    cores: list[Core] = []
    i = 0
    while i < n:
        start = _find_start(series, fw, i, s, marks)
        if start is None:
            break
        core = _follow(series, fw, start, s, marks)
        cores.append(core)
        i = core.last + 1
    return cores


@dataclass(frozen=True, slots=True)
class _Marks:
    """Where the scans of :func:`_find_start` and :func:`_follow` have anything to do.

    At any other fix their loop bodies change nothing, so they jump from mark to mark. Each
    list is sorted and ends with the last index.
    """

    alts: Floats
    steep: list[int]  # rate at least ``climb_rate_mps`` up or down: a flight may start
    descending: list[int]  # level, climbing or before a long gap: a descent may change
    rising: Bools  # falling or before a long gap: an ascent may change (and near the ground)
    level: Bools  # a level rate: near the ground, the tracker may have landed

    @classmethod
    def of(cls, series: Series, fw: Sequence[float | None], s: FlightSettings) -> _Marks:
        n = len(series)
        rates = floats(fw)
        ts = series.t_array
        climbing = rates >= s.climb_rate_mps
        falling = rates <= -s.climb_rate_mps
        level = np.abs(rates) <= s.climb_rate_mps
        gap = np.zeros(n, dtype=np.bool_)
        gap[:-1] = ts[1:] - ts[:-1] > s.split_gap_s

        def marked(flags: Bools) -> list[int]:
            return _with_last(np.flatnonzero(flags).tolist(), n)

        return cls(
            series.alt_array,
            marked(climbing | falling),
            marked(level | climbing | gap),
            falling | gap,
            level,
        )

    def ascending(self, ground: float | None, s: FlightSettings) -> list[int]:
        if ground is None:
            flags = self.rising
        else:
            flags = self.rising | (self.level & (self.alts <= ground + s.min_climb_m))
        return _with_last(np.flatnonzero(flags).tolist(), len(flags))


def _with_last(marks: list[int], n: int) -> list[int]:
    if not marks or marks[-1] != n - 1:
        marks.append(n - 1)
    return marks


def _next_mark(marks: list[int], k: int) -> int:
    return marks[bisect.bisect_left(marks, k)]


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
    series: Series,
    fw: Sequence[float | None],
    i: int,
    s: FlightSettings,
    marks: _Marks | None = None,
) -> _Start | None:
    within = s.min_climb_m / s.climb_rate_mps
    steep = (marks or _Marks.of(series, fw, s)).steep
    at = bisect.bisect_left(steep, i)
    for j in steep[at:]:
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


def _follow(
    series: Series,
    fw: Sequence[float | None],
    start: _Start,
    s: FlightSettings,
    marks: _Marks | None = None,
) -> Core:
    marks = marks or _Marks.of(series, fw, s)
    descent_marks = marks.descending
    ascent_marks = marks.ascending(start.ground_alt_m, s)
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
        # skip the fixes where nothing below would happen
        k = _next_mark(descent_marks if descending else ascent_marks, k)
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
                burst = next(  # the last fix near the top
                    m
                    for m in range(end, ascent_from - 1, -1)
                    if alts[m] >= top - s.burst_tolerance_m
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
