"""Wind profile measured by the balloon itself: mean horizontal motion per altitude band.

A balloon drifts with the air, so its horizontal velocity at an altitude is the wind there. Adding
up, per band (250 m by default), the east and north distance travelled and the time spent gives
the band's mean wind; summing displacements (rather than averaging fix-to-fix speeds) keeps GPS
jitter from piling up. Ascent and descent fixes both count, weighted by time spent.

Between measured bands the wind is interpolated linearly; below the lowest and above the highest
measured band the nearest band's wind is used.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from groundstation.flight.bands import band_fractions
from groundstation.flight.geo import local_offset_m
from groundstation.models import Fix


@dataclass(frozen=True, slots=True)
class WindBand:
    """Mean wind (m/s toward east and north) in ``[bottom_m, top_m)``, from ``seconds`` of data."""

    bottom_m: float
    top_m: float
    east_mps: float
    north_mps: float
    seconds: float

    @property
    def speed_mps(self) -> float:
        return math.hypot(self.east_mps, self.north_mps)


@dataclass(frozen=True, slots=True)
class WindProfile:
    """Measured winds by altitude band, lowest first (only bands with data)."""

    band_m: float
    bands: tuple[WindBand, ...]

    def at(self, alt_m: float) -> tuple[float, float]:
        """The (east, north) wind at an altitude, interpolated between band centres."""
        if not self.bands:
            return 0.0, 0.0
        centres = [(b.bottom_m + b.top_m) / 2 for b in self.bands]
        if alt_m <= centres[0]:
            first = self.bands[0]
            return first.east_mps, first.north_mps
        if alt_m >= centres[-1]:
            top = self.bands[-1]
            return top.east_mps, top.north_mps
        i = bisect.bisect_right(centres, alt_m) - 1
        lower, upper = self.bands[i], self.bands[i + 1]
        w = (alt_m - centres[i]) / (centres[i + 1] - centres[i])
        return (
            lower.east_mps + w * (upper.east_mps - lower.east_mps),
            lower.north_mps + w * (upper.north_mps - lower.north_mps),
        )


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
