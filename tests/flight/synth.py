"""A small deterministic balloon flight simulator for the flight-analysis tests (tests only).

The balloon sits on the ground, climbs at a steady rate, bursts, falls under a parachute whose
speed follows air density, and lies on the ground. It drifts with a wind that depends on altitude
(a jet stream near 11 km, easterlies in the stratosphere, a wind veering with height near the
ground) and slowly strengthens with time, so winds seen on the way up are close to, but not
exactly, those met on the way down. GPS noise comes from a seeded ``random.Random``.

Positions move on a sphere with simple formulas of their own, independent of the code under test.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from firmware_protocol.atmosphere import descent_rate_at
from groundstation.models import Fix

START = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
EARTH_R = 6_371_000.0

Wind = Callable[[float, float], tuple[float, float]]


def jet_wind(alt_m: float, elapsed_s: float) -> tuple[float, float]:
    """(east, north) m/s at an altitude, ``elapsed_s`` after the start of the simulation."""
    jet = 32.0 * math.exp(-(((alt_m - 11_000.0) / 3_000.0) ** 2))
    strato = 10.0 / (1.0 + math.exp(-(alt_m - 22_000.0) / 1_500.0))
    east = 4.0 + jet - strato
    north = 6.0 * math.cos(alt_m / 4_000.0) - 2.0
    growth = 1.0 + 0.03 * elapsed_s / 3_600.0
    return east * growth, north * growth


@dataclass(frozen=True)
class Truth:
    launch: tuple[datetime, float, float, float]
    burst: tuple[datetime, float, float, float]
    landing: tuple[datetime, float, float, float]
    path: list[tuple[datetime, float, float, float]]  # every simulated second, noise-free

    def descent_time_at(self, alt_m: float) -> datetime:
        """When the falling balloon passed an altitude."""
        for t, _lat, _lon, alt in self.path:
            if t > self.burst[0] and alt <= alt_m:
                return t
        raise ValueError(f"the balloon never came down to {alt_m} m")

    def ascent_time_at(self, alt_m: float) -> datetime:
        for t, _lat, _lon, alt in self.path:
            if t >= self.launch[0] and alt >= alt_m:
                return t
        raise ValueError(f"the balloon never climbed to {alt_m} m")


@dataclass(frozen=True)
class SynthFlight:
    fixes: list[Fix]
    truth: Truth


def _move(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    lat2 = lat + math.degrees(north_m / EARTH_R)
    lon2 = lon + math.degrees(east_m / (EARTH_R * math.cos(math.radians(lat))))
    return lat2, lon2


def synth_flight(
    *,
    tracker: str = "HAB1",
    start: datetime = START,
    lat: float = 52.2,
    lon: float = 0.1,
    ground_alt_m: float = 100.0,
    pre_launch_s: int = 600,
    ascent_mps: float = 5.0,
    burst_alt_m: float = 30_000.0,
    sea_level_descent_mps: float = 5.0,
    landed_s: int = 600,
    float_s: int = 0,
    interval_s: int = 2,
    noise_h_m: float = 3.0,
    noise_v_m: float = 5.0,
    seed: int = 1,
    wind: Wind = jet_wind,
) -> SynthFlight:
    """Simulate one flight, second by second, and report a fix every ``interval_s``.

    With ``float_s`` the balloon floats that long at ``burst_alt_m`` before it bursts.
    """
    rng = random.Random(seed)
    fixes: list[Fix] = []
    path: list[tuple[datetime, float, float, float]] = []
    alt = ground_alt_m
    t = 0
    phase = "ground"
    launch = burst = landing = None
    landed_at: int | None = None
    float_until: int | None = None
    while True:
        now = start + timedelta(seconds=t)
        ve = vn = 0.0
        if phase == "ground" and t >= pre_launch_s:
            phase = "ascent"
            launch = (now, lat, lon, ground_alt_m)
        if phase in ("ascent", "float", "descent"):
            ve, vn = wind(alt, float(t))
        path.append((now, lat, lon, alt))
        if t % interval_s == 0:
            e_noise = rng.gauss(0.0, noise_h_m)
            n_noise = rng.gauss(0.0, noise_h_m)
            flat, flon = _move(lat, lon, e_noise, n_noise)
            fixes.append(
                Fix(
                    tracker=tracker,
                    time=now,
                    lat=round(flat, 7),
                    lon=round(flon, 7),
                    alt_m=round(alt + rng.gauss(0.0, noise_v_m), 1),
                    speed_mps=round(math.hypot(ve, vn), 2),
                    course_deg=round(math.degrees(math.atan2(ve, vn)) % 360.0, 1),
                    sats=9,
                    hdop=0.9,
                    quality=1,
                    sentence="GGA",
                )
            )
        if landed_at is not None and t - landed_at >= landed_s:
            break
        # one second of motion
        if phase == "ascent":
            alt += ascent_mps
            lat, lon = _move(lat, lon, ve, vn)
            if alt >= burst_alt_m:
                over = (alt - burst_alt_m) / ascent_mps
                alt = burst_alt_m
                if float_s > 0:
                    phase = "float"
                    float_until = t + 1 + float_s
                else:
                    phase = "descent"
                    burst = (now + timedelta(seconds=1.0 - over), lat, lon, alt)
        elif phase == "float":
            lat, lon = _move(lat, lon, ve, vn)
            if float_until is not None and t + 1 >= float_until:
                phase = "descent"
                burst = (now + timedelta(seconds=1), lat, lon, alt)
        elif phase == "descent":
            rate = descent_rate_at(alt, sea_level_descent_mps)
            if alt - rate <= ground_alt_m:
                frac = (alt - ground_alt_m) / rate
                lat, lon = _move(lat, lon, ve * frac, vn * frac)
                alt = ground_alt_m
                phase = "landed"
                landing = (now + timedelta(seconds=frac), lat, lon, ground_alt_m)
                landed_at = t + 1
            else:
                alt -= rate
                lat, lon = _move(lat, lon, ve, vn)
        t += 1
    assert launch is not None and burst is not None and landing is not None
    return SynthFlight(fixes, Truth(launch, burst, landing, path))


@functools.cache
def standard_flight() -> SynthFlight:
    """The default flight, simulated once per test session (do not modify it)."""
    return synth_flight()


def ground_walk(
    *,
    tracker: str = "HAB1",
    start: datetime = START,
    lat: float = 52.2,
    lon: float = 0.1,
    alt_m: float = 50.0,
    duration_s: int = 3600,
    interval_s: int = 2,
    seed: int = 7,
) -> list[Fix]:
    """Someone walking about with a tracker for an hour: slopes of a few metres, GPS noise."""
    rng = random.Random(seed)
    fixes = []
    heading = 0.0
    for t in range(0, duration_s, interval_s):
        heading += rng.gauss(0.0, 0.3)
        lat, lon = _move(
            lat, lon, 1.4 * interval_s * math.sin(heading), 1.4 * interval_s * math.cos(heading)
        )
        hill = 15.0 * math.sin(t / 400.0)
        fixes.append(
            Fix(
                tracker=tracker,
                time=start + timedelta(seconds=t),
                lat=lat,
                lon=lon,
                alt_m=alt_m + hill + rng.gauss(0.0, 6.0),
                sats=7,
                hdop=1.4,
                quality=1,
                sentence="GGA",
            )
        )
    return fixes
