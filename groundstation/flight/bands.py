"""Altitude bands: share the motion between two fixes out among the bands it passes through.

Both the per-band ascent and descent rates of a flight and the wind profile for landing
prediction add up, per altitude band, the time spent and the distance covered there. Between two
fixes the tracker is taken to move steadily, so a step from 4,900 m to 5,100 m puts half of its
time and distance into the band below 5,000 m and half into the band above.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

import numpy as np

from groundstation.flight.arrays import Floats, Ints


def band_index(alt_m: float, band_m: float) -> int:
    """The band an altitude falls in: band ``i`` covers ``[i * band_m, (i + 1) * band_m)``."""
    return math.floor(alt_m / band_m)


def band_fractions(alt_a: float, alt_b: float, band_m: float) -> list[tuple[int, float]]:
    """The fraction of a straight step from ``alt_a`` to ``alt_b`` that lies in each band.

    A level step lies wholly in the band of its altitude. Fractions add up to 1.
    """
    if band_m <= 0:
        raise ValueError("band_m must be positive")
    low, high = min(alt_a, alt_b), max(alt_a, alt_b)
    first = band_index(low, band_m)
    if high == low:
        return [(first, 1.0)]
    last = band_index(high, band_m)
    if last == first:
        return [(first, 1.0)]
    span = high - low
    shares: list[tuple[int, float]] = []
    for index in range(first, last + 1):
        bottom = max(low, index * band_m)
        top = min(high, (index + 1) * band_m)
        if top > bottom:
            shares.append((index, (top - bottom) / span))
    return shares


def band_sums(
    steps: Ints, alts: Sequence[float], bands: Floats, band_m: float, values: Sequence[Floats]
) -> dict[int, list[float]]:
    """Per band, the share of each of ``values`` that falls in it, summed over some steps.

    ``steps`` are the indices ``i`` of the steps ``i -> i + 1`` between altitudes ``alts``, in
    order; ``bands`` is :func:`band_index` of every altitude, as floats; ``values`` hold one
    quantity per step each (aligned with ``steps``). A step shares each value out among bands by
    :func:`band_fractions`, and each band adds up its shares in step order, one at a time from
    ``0.0``, exactly as a loop over the steps with ``sums[band][k] += share * value`` does.
    """
    within = bands[steps] == bands[steps + 1]  # all of the step is in one band: share 1.0
    order = [steps[within]]
    ids = [bands[steps][within]]
    columns = [[v[within]] for v in values]
    crossing = ~within
    extra: list[tuple[int, int, list[float]]] = []
    crossings = zip(steps[crossing].tolist(), *(v[crossing].tolist() for v in values), strict=True)
    for i, *quantities in crossings:
        for band, share in band_fractions(alts[i], alts[i + 1], band_m):
            extra.append((i, band, [share * q for q in quantities]))
    if extra:
        order.append(np.array([e[0] for e in extra], dtype=np.int64))
        ids.append(np.array([e[1] for e in extra], dtype=np.float64))
        for k, column in enumerate(columns):
            column.append(np.array([e[2][k] for e in extra], dtype=np.float64))
    band_of = np.concatenate(ids)
    sort = np.lexsort((np.concatenate(order), band_of))
    band_of = band_of[sort]
    sorted_columns = [np.concatenate(column)[sort].tolist() for column in columns]
    cuts = [0, *(np.flatnonzero(np.diff(band_of)) + 1).tolist(), len(band_of)]
    sums: dict[int, list[float]] = {}
    for start, stop in itertools.pairwise(cuts):
        if start < stop:
            sums[int(band_of[start])] = [_ordered_sum(c[start:stop]) for c in sorted_columns]
    return sums


def _ordered_sum(values: Iterable[float]) -> float:
    """The sum of the values added one at a time, left to right, from ``0.0``."""
    total = 0.0
    for value in values:
        total += value
    return total
