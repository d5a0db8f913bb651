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

import numpy as np

from groundstation.flight.arrays import fix_micros, floats, local_offsets_m
from groundstation.flight.bands import band_sums
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
    usable = [f for f in fixes if f.alt_m is not None]
    if len(usable) < 2:
        return WindProfile(band_m=band_m, bands=())
    micros = fix_micros(usable, usable[0].time)
    seconds = (micros[1:] - micros[:-1]) / 1e6
    steps = np.flatnonzero((seconds > 0) & (seconds <= max_step_s))
    if band_m <= 0 and len(steps):
        raise ValueError("band_m must be positive")
    lats = floats([f.lat for f in usable])
    lons = floats([f.lon for f in usable])
    east, north = local_offsets_m(
        lats[steps].tolist(), lons[steps].tolist(), lats[steps + 1], lons[steps + 1]
    )
    alts = [f.alt_m for f in usable if f.alt_m is not None]
    bands = np.floor(floats(alts) / band_m) if band_m > 0 else floats(alts)
    sums = band_sums(steps, alts, bands, band_m, [east, north, seconds[steps]])
    winds = tuple(
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
    return WindProfile(band_m=band_m, bands=winds)
