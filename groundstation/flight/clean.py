"""Turn a pile of fixes into a clean, ordered track: sort, drop duplicates, reject glitches.

Fixes arrive out of order (logs merged from several receivers), twice (two receivers heard the
same packet, a log imported twice) and now and then wild (a corrupted packet that passed its
checksum, a GPS glitch). Flight analysis needs one fix per moment, in time order, with only
physically possible motion.

Glitch rejection compares each fix with its neighbours in time (up to three on each side): a
fix that could only be reached from most of them by moving faster than a balloon can (150 m/s
vertically, 200 m/s horizontally, plus a margin for GPS noise) is rejected. A single wild point,
or two in a row, is caught; its honest neighbours are each inconsistent with at most two of
their neighbours and are kept.

The result does not depend on the order of the input: fixes are sorted on all their fields and
the first of each moment is kept, preferring one with an altitude.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import compress
from operator import attrgetter, eq

import numpy as np

from groundstation.flight.arrays import Bools, Floats, Ints, fix_micros, floats
from groundstation.flight.geo import ground_distance_m
from groundstation.models import Fix

MIN_ALT_M = -500.0
MAX_ALT_M = 60_000.0
_M_PER_DEG_BOUND = 112_000.0  # a little over the length of one degree of a great circle
_TIME = attrgetter("time")


@dataclass(frozen=True, slots=True)
class CleanSettings:
    """Limits of plausible motion used to reject glitches."""

    max_vertical_mps: float = 150.0
    max_horizontal_mps: float = 200.0
    vertical_margin_m: float = 60.0
    horizontal_margin_m: float = 150.0
    neighbours: int = 3


@dataclass(frozen=True, slots=True)
class CleanTrack:
    """One tracker's fixes, ready for analysis.

    ``fixes`` are in time order, one per moment, all with an altitude and plausible.
    ``rejected`` holds the implausible ones (glitches, impossible altitudes, non-finite values),
    in time order. ``duplicates`` counts fixes dropped because another had the same time, and
    ``without_altitude`` those dropped because they had no altitude.
    """

    fixes: tuple[Fix, ...]
    rejected: tuple[Fix, ...]
    duplicates: int
    without_altitude: int


def _opt(value: float | None) -> tuple[int, float]:
    return (0, 0.0) if value is None else (1, float(value))


def fix_sort_key(
    fix: Fix,
) -> tuple[str, datetime, int, float, float, tuple[int, float], tuple[tuple[int, float], ...], str]:
    """A total order on fixes: by tracker, time, with altitude first, then every other field."""
    rest = tuple(_opt(v) for v in (fix.speed_mps, fix.course_deg, fix.sats, fix.hdop, fix.quality))
    has_alt = 0 if fix.alt_m is not None else 1
    return (fix.tracker, fix.time, has_alt, fix.lat, fix.lon, _opt(fix.alt_m), rest, fix.sentence)


def _inconsistent(a: Fix, b: Fix, s: CleanSettings) -> bool:
    """Whether no balloon could move between two fixes (the rule :func:`_glitch_mask` applies)."""
    dt = abs((b.time - a.time).total_seconds())
    vertical_limit = s.max_vertical_mps * dt + s.vertical_margin_m
    if a.alt_m is not None and b.alt_m is not None and abs(b.alt_m - a.alt_m) > vertical_limit:
        return True
    limit = s.max_horizontal_mps * dt + s.horizontal_margin_m
    # cheap bound first: the great-circle distance is at most the sum of the degree offsets
    if (abs(b.lat - a.lat) + abs(b.lon - a.lon)) * _M_PER_DEG_BOUND <= limit:
        return False
    return ground_distance_m(a.lat, a.lon, b.lat, b.lon) > limit


def _glitch_mask(
    fixes: Sequence[Fix],
    micros: Ints,
    lats: Floats,
    lons: Floats,
    alts: Floats,
    s: CleanSettings,
) -> Bools:
    """Which of the time-ordered fixes to reject: those inconsistent with most neighbours.

    Fix ``i`` is compared with the others of the ``2 * neighbours + 1`` fixes centred on it
    (shifted to stay within the track), as :func:`_inconsistent` compares them, but a whole
    diagonal of pairs (``i``, ``i + d``) at a time. The vertical test and the cheap horizontal
    bound are symmetric and exact in numpy; the few pairs that need the great-circle distance
    get it from :func:`_inconsistent` in Python, in both directions. ``alts`` is NaN where a fix
    has no altitude.
    """
    n = len(fixes)
    k = s.neighbours
    index = np.arange(n)
    lo = np.maximum(0, np.minimum(index - k, n - 1 - 2 * k))
    hi = np.minimum(n - 1, lo + 2 * k)
    bad = np.zeros(n, dtype=np.int64)
    for d in range(1, min(2 * k, n - 1) + 1):
        a, b = slice(0, n - d), slice(d, n)
        dt = np.abs(micros[b] - micros[a]) / 1e6
        with np.errstate(invalid="ignore"):
            vertical = np.abs(alts[b] - alts[a]) > s.max_vertical_mps * dt + s.vertical_margin_m
            limit = s.max_horizontal_mps * dt + s.horizontal_margin_m
            bound = (np.abs(lats[b] - lats[a]) + np.abs(lons[b] - lons[a])) * _M_PER_DEG_BOUND
            # NaN altitudes compare False, as a missing one skips the test in Python
            near = bound <= limit
        forward = vertical.copy()
        backward = vertical.copy()
        for i in np.flatnonzero(~vertical & ~near).tolist():
            forward[i] = _inconsistent(fixes[i], fixes[i + d], s)
            backward[i] = _inconsistent(fixes[i + d], fixes[i], s)
        bad[a] += forward & (index[b] <= hi[a])  # fix i, other i + d, if in i's window
        bad[b] += backward & (index[a] >= lo[b])  # fix i + d, other i, if in its window
    rejected: Bools = bad * 2 > hi - lo
    return rejected


def _arrays(fixes: Sequence[Fix]) -> tuple[Ints, Floats, Floats, Floats]:
    micros = fix_micros(fixes, fixes[0].time) if fixes else np.zeros(0, dtype=np.int64)
    lats = floats([f.lat for f in fixes])
    lons = floats([f.lon for f in fixes])
    alts = floats([f.alt_m for f in fixes])
    return micros, lats, lons, alts


def _split(fixes: Sequence[Fix], reject: Bools) -> tuple[list[Fix], list[Fix]]:
    kept = list(compress(fixes, (~reject).tolist()))
    rejected = list(compress(fixes, reject.tolist()))
    return kept, rejected


def reject_glitches(fixes: list[Fix], settings: CleanSettings) -> tuple[list[Fix], list[Fix]]:
    """Split time-ordered fixes into (kept, rejected) by consistency with their neighbours."""
    if len(fixes) < 3:
        return list(fixes), []
    return _split(fixes, _glitch_mask(fixes, *_arrays(fixes), settings))


def _has_nan(fix: Fix) -> bool:
    values = (fix.lat, fix.lon, fix.alt_m, fix.speed_mps, fix.course_deg, fix.sats, fix.hdop)
    return any(isinstance(v, float) and math.isnan(v) for v in (*values, fix.quality))


def _first_per_moment(fixes: list[Fix]) -> tuple[list[Fix], int] | None:
    """The fixes in time order, the first of each moment in :func:`fix_sort_key` order, and
    how many were dropped. ``None`` when fixes of one moment hold NaN, which has no order.

    The fixes of one tracker sorted by time are in :func:`fix_sort_key` order but for runs of
    fixes with the same time: only those runs need the full key.
    """
    ordered = sorted(fixes, key=_TIME)
    times = list(map(_TIME, ordered))
    repeats = list(compress(range(1, len(times)), map(eq, times[1:], times[:-1])))
    if not repeats:
        return ordered, 0
    unique: list[Fix] = []
    start = 0
    at = 0
    while at < len(repeats):
        i = repeats[at]
        end = i + 1  # the run of equal times is ordered[i - 1 : end]
        while at + 1 < len(repeats) and repeats[at + 1] == end:
            at += 1
            end += 1
        at += 1
        unique.extend(ordered[start : i - 1])
        run = ordered[i - 1 : end]
        if any(map(_has_nan, run)):
            return None
        unique.append(sorted(run, key=fix_sort_key)[0])
        start = end
    unique.extend(ordered[start:])
    return unique, len(fixes) - len(unique)


def _first_per_moment_by_full_key(fixes: list[Fix]) -> tuple[list[Fix], int]:
    unique: list[Fix] = []
    duplicates = 0
    for fix in sorted(fixes, key=fix_sort_key):
        if unique and unique[-1].time == fix.time:
            duplicates += 1
            continue
        unique.append(fix)
    return unique, duplicates


def clean_track(fixes: Iterable[Fix], settings: CleanSettings | None = None) -> CleanTrack:
    """Sort, de-duplicate and de-glitch the fixes of one tracker.

    Raises ``ValueError`` if the fixes come from more than one tracker.
    """
    given = list(fixes)
    if len({f.tracker for f in given}) > 1:
        raise ValueError("clean_track() takes the fixes of one tracker")
    return clean_with_times(given, settings or CleanSettings())[0]


def clean_with_times(fixes: list[Fix], s: CleanSettings) -> tuple[CleanTrack, Ints]:
    """:func:`clean_track` for fixes known to be of one tracker, and the times of the clean
    fixes in microseconds (from an arbitrary origin)."""
    firsts = _first_per_moment(fixes)
    unique, duplicates = firsts if firsts is not None else _first_per_moment_by_full_key(fixes)
    with_alt = [f for f in unique if f.alt_m is not None]
    without_altitude = len(unique) - len(with_alt)
    micros, lats, lons, alts = _arrays(with_alt)
    with np.errstate(invalid="ignore"):
        possible = (
            np.isfinite(lats)
            & np.isfinite(lons)
            & np.isfinite(alts)
            & (lats >= -90.0)
            & (lats <= 90.0)
            & (alts >= MIN_ALT_M)
            & (alts <= MAX_ALT_M)
        )
    candidates, impossible = _split(with_alt, ~possible)
    micros, lats, lons, alts = micros[possible], lats[possible], lons[possible], alts[possible]
    kept: list[Fix] = candidates
    glitches: list[Fix] = []
    if len(candidates) >= 3:
        glitch = _glitch_mask(candidates, micros, lats, lons, alts, s)
        kept, glitches = _split(candidates, glitch)
        micros = micros[~glitch]
    rejected = sorted(impossible + glitches, key=_TIME)
    track = CleanTrack(
        fixes=tuple(kept),
        rejected=tuple(rejected),
        duplicates=duplicates,
        without_altitude=without_altitude,
    )
    return track, micros
