"""The true flight of each emulated tracker: where it really was, before any sensor noise.

Ascent at a near-constant rate (slightly faster with height, with a little noise), burst at
the configured altitude, descent under a parachute at the speed air density allows
(:func:`firmware_protocol.atmosphere.descent_rate_at`), drift with a seeded wind profile,
landing at the launch site's altitude, then a minute on the ground.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import asdict, dataclass
from typing import Any, Literal

from firmware_protocol.atmosphere import descent_rate_at
from firmware_protocol.emulator.config import SimulationConfig
from firmware_protocol.emulator.wind import Wind, WindProfile

Phase = Literal["prelaunch", "ascent", "descent", "landed"]
EARTH_RADIUS_M = 6_371_008.8
MAX_STEP_S = 0.5


@dataclass(frozen=True)
class TruthPoint:
    """The true state at one packet time (seconds since the simulation start)."""

    time: float
    lat: float
    lon: float
    alt: float
    phase: Phase
    east_mps: float
    north_mps: float
    up_mps: float


@dataclass(frozen=True)
class FlightEvents:
    launch_time: float
    burst_time: float | None = None
    burst_alt: float | None = None
    burst_lat: float | None = None
    burst_lon: float | None = None
    landing_time: float | None = None
    landing_lat: float | None = None
    landing_lon: float | None = None


@dataclass(frozen=True)
class FlightTruth:
    callsign: str
    launch_lat: float
    launch_lon: float
    ground_alt: float
    first_packet_time: float
    events: FlightEvents
    points: tuple[TruthPoint, ...]


@dataclass
class _State:
    time: float
    lat: float
    lon: float
    alt: float
    phase: Phase
    up: float = 0.0
    east: float = 0.0
    north: float = 0.0
    rate_noise: float = 0.0
    gust_east: float = 0.0
    gust_north: float = 0.0


def wind_for(config: SimulationConfig) -> WindProfile:
    return WindProfile.from_seed(random.Random(f"{config.seed}:wind"))


def move(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    """Shift a position by metres east and north (small steps)."""
    new_lat = lat + math.degrees(north_m / EARTH_RADIUS_M)
    new_lon = lon + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return new_lat, (new_lon + 180.0) % 360.0 - 180.0


class BalloonFlight:
    """A balloon's true state, stepped forward in time by :meth:`advance_to`."""

    def __init__(
        self,
        config: SimulationConfig,
        wind: Wind,
        rng: random.Random,
        site: _State,
        max_step: float = MAX_STEP_S,
    ) -> None:
        self.config = config
        self.max_step = max_step
        self.wind = wind
        self.rng = rng
        self.state = site
        self.ground = site.alt
        self.launch_time = 0.0
        self.burst: tuple[float, float, float, float] | None = None
        self.landing: tuple[float, float, float] | None = None

    @classmethod
    def on_ground(
        cls,
        config: SimulationConfig,
        wind: Wind,
        rng: random.Random,
        site: tuple[float, float, float],
        power_on: float,
        launch_time: float,
        max_step: float = MAX_STEP_S,
    ) -> BalloonFlight:
        """A tracker switched on at ``power_on`` at a site (lat, lon, alt), launched later."""
        lat, lon, alt = site
        flight = cls(config, wind, rng, _State(power_on, lat, lon, alt, "prelaunch"), max_step)
        flight.launch_time = launch_time
        return flight

    def advance_to(self, target: float) -> None:
        while self.state.time < target - 1e-9:
            self._step(min(self.max_step, target - self.state.time))

    def _step(self, h: float) -> None:
        s = self.state
        if s.phase == "prelaunch":
            if s.time + h >= self.launch_time:
                h = max(self.launch_time - s.time, 0.0)
                s.phase = "ascent"
            s.time += h
            return
        if s.phase == "landed":
            s.time += h
            s.up = s.east = s.north = 0.0
            return
        if s.phase == "ascent":
            phi = math.exp(-h / 60.0)
            s.rate_noise = phi * s.rate_noise + math.sqrt(1 - phi * phi) * self.rng.gauss(0, 0.04)
            growth = 1.0 + 0.08 * (s.alt - self.ground) / (self.config.burst_altitude - self.ground)
            s.up = self.config.ascent_rate * growth * (1.0 + s.rate_noise)
            if s.alt + s.up * h >= self.config.burst_altitude:
                h = (self.config.burst_altitude - s.alt) / s.up
                self._drift(h)
                s.alt = self.config.burst_altitude
                s.time += h
                s.phase = "descent"
                self.burst = (s.time, s.alt, s.lat, s.lon)
                return
        else:
            mid = s.alt - 0.5 * h * descent_rate_at(s.alt, self.config.descent_rate)
            s.up = -descent_rate_at(mid, self.config.descent_rate)
            if s.alt + s.up * h <= self.ground:
                h = (s.alt - self.ground) / -s.up
                self._drift(h)
                s.alt = self.ground
                s.time += h
                s.phase = "landed"
                self.landing = (s.time, s.lat, s.lon)
                return
        self._drift(h)
        s.alt += s.up * h
        s.time += h

    def _drift(self, h: float) -> None:
        s = self.state
        phi = math.exp(-h / 30.0)
        spread = math.sqrt(1 - phi * phi)
        s.gust_east = phi * s.gust_east + spread * self.rng.gauss(0, 1.0)
        s.gust_north = phi * s.gust_north + spread * self.rng.gauss(0, 1.0)
        east, north = self.wind.velocity_at(s.alt + 0.5 * s.up * h, s.time)
        s.east, s.north = east + s.gust_east, north + s.gust_north
        s.lat, s.lon = move(s.lat, s.lon, s.east * h, s.north * h)

    def point(self) -> TruthPoint:
        s = self.state
        return TruthPoint(s.time, s.lat, s.lon, s.alt, s.phase, s.east, s.north, s.up)


def fly_tracker(config: SimulationConfig, index: int, wind: WindProfile) -> FlightTruth:
    """The true flight of tracker ``index`` (0-based), sampled at its packet times."""
    rng = random.Random(f"{config.seed}:flight:{index}")
    lat, lon = config.launch_lat, config.launch_lon
    if index > 0:  # other teams launch a few hundred metres away
        lat, lon = move(lat, lon, rng.uniform(-400, 400), rng.uniform(-400, 400))
    power_on = index * config.launch_spacing
    flight = BalloonFlight(
        config, wind, rng, _State(power_on, lat, lon, config.launch_alt, "prelaunch")
    )
    flight.launch_time = power_on + config.prelaunch
    first = round(power_on + rng.uniform(0, min(config.interval, 1.0)), 2)
    return sample_flight(config, flight, config.callsign(index), first)


def sample_flight(
    config: SimulationConfig, flight: BalloonFlight, callsign: str, first: float
) -> FlightTruth:
    """Fly ``flight`` to the ground, sampling its truth every ``config.interval`` seconds from
    ``first`` until ``config.landed_duration`` after landing."""
    lat, lon = flight.state.lat, flight.state.lon
    points: list[TruthPoint] = []
    k = 0
    while True:
        t = round(first + k * config.interval, 2)
        flight.advance_to(t)
        if flight.landing is not None and t > flight.landing[0] + config.landed_duration:
            break
        points.append(flight.point())
        k += 1
    burst, landing = flight.burst, flight.landing
    if burst is None or landing is None:  # the loop above only ends after landing
        raise RuntimeError("the flight ended without bursting and landing")
    events = FlightEvents(
        launch_time=flight.launch_time,
        burst_time=burst[0],
        burst_alt=burst[1],
        burst_lat=burst[2],
        burst_lon=burst[3],
        landing_time=landing[0],
        landing_lat=landing[1],
        landing_lon=landing[2],
    )
    return FlightTruth(callsign, lat, lon, flight.ground, first, events, tuple(points))


def fly(config: SimulationConfig) -> list[FlightTruth]:
    """The true flights of every tracker of a simulation."""
    wind = wind_for(config)
    return [fly_tracker(config, index, wind) for index in range(config.trackers)]


def _utc(config: SimulationConfig, seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return (config.start + dt.timedelta(seconds=seconds)).isoformat()


def truth_to_json(config: SimulationConfig, flights: list[FlightTruth]) -> dict[str, Any]:
    """The true flights as JSON-ready data (times in seconds since start and as UTC)."""
    trackers = []
    for flight in flights:
        events = asdict(flight.events)
        for key in ("launch_time", "burst_time", "landing_time"):
            events[key.replace("_time", "_utc")] = _utc(config, events[key])
        trackers.append(
            {
                "callsign": flight.callsign,
                "launch": {
                    "lat": flight.launch_lat,
                    "lon": flight.launch_lon,
                    "alt": flight.ground_alt,
                },
                "events": events,
                "points": [
                    {
                        "time": round(p.time, 3),
                        "utc": _utc(config, p.time),
                        "lat": round(p.lat, 7),
                        "lon": round(p.lon, 7),
                        "alt": round(p.alt, 2),
                        "phase": p.phase,
                    }
                    for p in flight.points
                ],
            }
        )
    return {"start": config.start.isoformat(), "seed": config.seed, "trackers": trackers}
