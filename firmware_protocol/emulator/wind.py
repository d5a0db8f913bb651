"""A seeded wind profile: light surface wind, a jet stream near the tropopause, weak
stratospheric wind, the direction veering (turning clockwise) with height."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class WindProfile:
    surface_speed: float  # m/s
    jet_speed: float  # m/s, maximum
    jet_altitude: float  # m
    jet_depth: float  # m, e-folding half-thickness of the jet
    stratosphere_speed: float  # m/s
    surface_toward_deg: float  # direction the surface wind blows toward, degrees true
    veer_deg: float  # clockwise turn from the surface to the jet
    stratosphere_turn_deg: float  # further turn above the jet

    @classmethod
    def from_seed(cls, rng: random.Random) -> WindProfile:
        return cls(
            surface_speed=rng.uniform(2.0, 7.0),
            jet_speed=rng.uniform(30.0, 50.0),
            jet_altitude=rng.uniform(10_000.0, 12_000.0),
            jet_depth=rng.uniform(3_000.0, 4_000.0),
            stratosphere_speed=rng.uniform(3.0, 8.0),
            # mid-latitude westerlies: blowing toward somewhere between NE and SE
            surface_toward_deg=rng.uniform(30.0, 120.0),
            veer_deg=rng.uniform(20.0, 60.0),
            stratosphere_turn_deg=rng.uniform(-90.0, 90.0),
        )

    def speed(self, alt_m: float) -> float:
        height = max(alt_m, 0.0)
        low = (self.surface_speed - self.stratosphere_speed) * math.exp(-height / 1_500.0)
        jet = (self.jet_speed - self.stratosphere_speed) * math.exp(
            -(((height - self.jet_altitude) / self.jet_depth) ** 2)
        )
        return self.stratosphere_speed + low + jet

    def toward_deg(self, alt_m: float) -> float:
        height = max(alt_m, 0.0)
        below = min(height / self.jet_altitude, 1.0)
        above = min(max(height - self.jet_altitude, 0.0) / 10_000.0, 1.0)
        return (
            self.surface_toward_deg + self.veer_deg * below + self.stratosphere_turn_deg * above
        ) % 360.0

    def velocity(self, alt_m: float) -> tuple[float, float]:
        """(east, north) wind components in m/s at an altitude."""
        speed = self.speed(alt_m)
        toward = math.radians(self.toward_deg(alt_m))
        return speed * math.sin(toward), speed * math.cos(toward)
