"""Seeded winds: a profile (light surface wind, a jet stream near the tropopause, weak
stratospheric wind, the direction veering (turning clockwise) with height), and a schedule of
profiles that changes slowly through a night of launches."""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass, field
from typing import Protocol


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

    def velocity_at(self, alt_m: float, time_s: float) -> tuple[float, float]:
        """The same wind at every time: a single flight's weather does not change."""
        return self.velocity(alt_m)


class Wind(Protocol):
    """Anything a balloon can drift in: (east, north) m/s at an altitude and a time."""

    def velocity_at(self, alt_m: float, time_s: float) -> tuple[float, float]: ...


KEY_SPACING_S = 3 * 3600.0
"""Time between two seeded profiles of a :class:`WindSchedule`: weather changes over hours."""
SCHEDULE_QUANTUM_S = 60.0
"""The schedule's profile is recomputed once per emulated minute (and shared by all balloons)."""


def _perturbed(base: WindProfile, rng: random.Random) -> WindProfile:
    """The next profile of a slow random walk: the same weather pattern, a few hours on."""

    def clamp(value: float, low: float, high: float) -> float:
        return min(high, max(low, value))

    return WindProfile(
        surface_speed=clamp(base.surface_speed + rng.uniform(-1.5, 1.5), 1.0, 10.0),
        jet_speed=clamp(base.jet_speed * rng.uniform(0.8, 1.2), 20.0, 65.0),
        jet_altitude=clamp(base.jet_altitude + rng.uniform(-600.0, 600.0), 9_000.0, 13_000.0),
        jet_depth=clamp(base.jet_depth + rng.uniform(-300.0, 300.0), 2_500.0, 4_500.0),
        stratosphere_speed=clamp(base.stratosphere_speed + rng.uniform(-1.5, 1.5), 1.0, 12.0),
        surface_toward_deg=base.surface_toward_deg + rng.uniform(-25.0, 25.0),
        veer_deg=clamp(base.veer_deg + rng.uniform(-10.0, 10.0), 0.0, 90.0),
        stratosphere_turn_deg=clamp(
            base.stratosphere_turn_deg + rng.uniform(-30.0, 30.0), -120.0, 120.0
        ),
    )


def _blend(a: WindProfile, b: WindProfile, weight: float) -> WindProfile:
    def mix(x: float, y: float) -> float:
        return x + (y - x) * weight

    return WindProfile(
        *(mix(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(WindProfile))
    )


@dataclass(frozen=True)
class WindSchedule:
    """Winds that change slowly with time: seeded profiles every few hours, blended between.

    ``keys[i]`` is the profile at ``i * spacing_s`` seconds after the start, each a random
    step from the one before (directions turn by up to 25 degrees, the jet strengthens or
    weakens by up to 20 %, ...). Between keys the parameters are blended with a smoothstep
    weight, so the wind never jumps; after the last key it stays as that key says. Balloons
    launched minutes apart meet nearly the same winds, balloons launched hours apart do not.
    """

    keys: tuple[WindProfile, ...]
    spacing_s: float = KEY_SPACING_S
    _cache: dict[int, WindProfile] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def from_seed(cls, rng: random.Random, duration_s: float) -> WindSchedule:
        """Enough keys to cover ``duration_s`` seconds (the launch window and the flights)."""
        keys = [WindProfile.from_seed(rng)]
        while (len(keys) - 1) * KEY_SPACING_S < duration_s:
            keys.append(_perturbed(keys[-1], rng))
        return cls(tuple(keys))

    def profile_at(self, time_s: float) -> WindProfile:
        """The profile at a time (seconds since the start), to the emulated minute."""
        minute = math.floor(time_s / SCHEDULE_QUANTUM_S)
        cached = self._cache.get(minute)
        if cached is not None:
            return cached
        position = max(0.0, minute * SCHEDULE_QUANTUM_S / self.spacing_s)
        index = min(int(position), len(self.keys) - 1)
        if index == len(self.keys) - 1:
            profile = self.keys[index]
        else:
            x = position - index
            profile = _blend(self.keys[index], self.keys[index + 1], x * x * (3 - 2 * x))
        self._cache[minute] = profile
        return profile

    def velocity_at(self, alt_m: float, time_s: float) -> tuple[float, float]:
        return self.profile_at(time_s).velocity(alt_m)
