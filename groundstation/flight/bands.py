"""Altitude bands: share the motion between two fixes out among the bands it passes through.

Both the per-band ascent and descent rates of a flight and the wind profile for landing
prediction add up, per altitude band, the time spent and the distance covered there. Between two
fixes the tracker is taken to move steadily, so a step from 4,900 m to 5,100 m puts half of its
time and distance into the band below 5,000 m and half into the band above.
"""

from __future__ import annotations

import math


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
