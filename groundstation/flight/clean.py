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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from groundstation.flight.geo import ground_distance_m
from groundstation.models import Fix

MIN_ALT_M = -500.0
MAX_ALT_M = 60_000.0
_M_PER_DEG_BOUND = 112_000.0  # a little over the length of one degree of a great circle


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
