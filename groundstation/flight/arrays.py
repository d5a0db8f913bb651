"""Fix attributes as numpy arrays, for the vectorised parts of the flight analysis.

The analysis must give the same numbers whether a step runs in Python or in numpy, so only
operations that round exactly as Python's float arithmetic does are used on these arrays: ``+``,
``-``, ``*``, ``/``, ``abs``, comparisons, and sums accumulated one term at a time in a fixed
order (never ``np.sum``, which adds pairwise). Anything else (``sin``, ``cos``...) stays in
Python, where :mod:`math` computes it.

Times become whole microseconds (``int64``), exact for any span under 285 years, so a
difference of two of them divided by ``1e6`` is exactly ``timedelta.total_seconds()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter, sub

import numpy as np
import numpy.typing as npt

from groundstation.flight.geo import WGS84_A, WGS84_E2
from groundstation.models import Fix

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_TIME = attrgetter("time")
_DAYS = attrgetter("days")
_SECONDS = attrgetter("seconds")
_MICROSECONDS = attrgetter("microseconds")


def micros_since(times: Sequence[datetime], origin: datetime) -> Ints:
    """Whole microseconds from ``origin`` to each time (exact, the same as ``timedelta``'s)."""
    deltas = list(map(sub, times, [origin] * len(times)))
    count = len(deltas)
    days = np.fromiter(map(_DAYS, deltas), np.int64, count)
    seconds = np.fromiter(map(_SECONDS, deltas), np.int64, count)
    micros = np.fromiter(map(_MICROSECONDS, deltas), np.int64, count)
    result: Ints = (days * 86_400 + seconds) * 1_000_000 + micros
    return result


def fix_micros(fixes: Sequence[Fix], origin: datetime) -> Ints:
    """:func:`micros_since` for the times of fixes."""
    return micros_since(list(map(_TIME, fixes)), origin)


def seconds_of(micros: Ints) -> Floats:
    """Microseconds as float seconds, rounded exactly as ``timedelta.total_seconds()`` does."""
    result: Floats = micros.astype(np.float64) / 1e6
    return result


def floats(values: Sequence[float | None]) -> Floats:
    """Values as a float array, ``None`` as NaN."""
    return np.array(values, dtype=np.float64)


_RADIANS_PER_DEGREE = math.pi / 180.0  # what math.radians() multiplies by


def local_offsets_m(
    lat0: Sequence[float], lon0: Sequence[float], lat: Floats, lon: Floats
) -> tuple[Floats, Floats]:
    """:func:`.geo.local_offset_m` for many pairs of points at once, to the same last bit.

    The sines and cosines are taken in Python with :mod:`math` (numpy's may round differently);
    the rest is arithmetic that numpy rounds as Python does.
    """
    sin0 = floats([math.sin(math.radians(x)) for x in lat0])
    cos0 = floats([math.cos(math.radians(x)) for x in lat0])
    lat0_array, lon0_array = floats(lat0), floats(lon0)
    w = np.sqrt(1.0 - WGS84_E2 * sin0 * sin0)
    meridian = WGS84_A * (1.0 - WGS84_E2) / (w * w * w)
    prime_vertical = WGS84_A / w
    dlat = (lat - lat0_array) * _RADIANS_PER_DEGREE
    dlon = (((lon - lon0_array) + 180.0) % 360.0 - 180.0) * _RADIANS_PER_DEGREE
    east: Floats = dlon * prime_vertical * cos0
    north: Floats = dlat * meridian
    return east, north
