"""Landing prediction without internet: the balloon's own winds, the standard atmosphere.

The flight so far is the only weather data: its horizontal motion per altitude band is the wind
profile (:mod:`.wind`). From the latest fix the flight is played forward in ``step_s`` steps,
drifting with the profile's wind at each altitude:

- **ascent** (also during a float): climb at the flight's mean ascent rate to ``burst_alt_m``,
  then fall under the parachute;
- **descent**: fall from where the balloon is, with the parachute's sea-level descent speed
  estimated from the recent measured descent (``sea_level_equivalent_rate``);
- **abort**: what happens if the balloon bursts now.

The parachute's speed at altitude follows air density (``descent_rate_at``). Above the highest
measured wind the top band's wind is used. The ground is at ``ground_alt_m``, by default the
launch altitude (sea level if the launch was not seen).

:func:`naive_prediction` is the baseline to beat: straight-line drift at the current ground
velocity for the same remaining flight time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from firmware_protocol.atmosphere import descent_rate_at
from groundstation.flight.flights import Flight, TrackPoint, split_flights
from groundstation.flight.geo import offset_position
from groundstation.flight.phases import FlightSettings
from groundstation.flight.rates import ascent_rate, ground_velocity, sea_level_descent_rate
from groundstation.flight.wind import WindProfile, wind_profile
from groundstation.models import Fix

PredictionKind = Literal["ascent", "descent", "abort"]

_FALLBACK_ASCENT_MPS = 5.0
_MIN_ASCENT_MPS = 0.5


@dataclass(frozen=True, slots=True)
class PredictionSettings:
    """What is assumed about the rest of the flight; ``None`` means "measure it"."""

    burst_alt_m: float = 30_000.0
    sea_level_descent_mps: float = 5.0  # the parachute's, used until a descent is measured
    ground_alt_m: float | None = None
    ascent_rate_mps: float | None = None
    wind_band_m: float = 250.0
    rate_window_s: float = 60.0
    descent_window_s: float = 120.0
    step_s: float = 5.0
    path_step_s: float = 30.0
    flight: FlightSettings = field(default_factory=FlightSettings)


@dataclass(frozen=True, slots=True)
class Prediction:
    """A predicted landing and the path to it.

    ``made_at`` is the time of the last fix used. ``path`` starts at that fix and has a point
    every ``path_step_s`` of flight time, ending at the landing. ``burst`` is the predicted burst
    for an ascent prediction, the current point for an abort, ``None`` for a descent. The
    assumptions used are reported alongside.
    """

    tracker: str
    made_at: datetime
    kind: PredictionKind
    landing: TrackPoint
    path: tuple[TrackPoint, ...]
    burst: TrackPoint | None
    ascent_rate_mps: float | None
    sea_level_descent_mps: float
    ground_alt_m: float

    @property
    def landing_time(self) -> datetime:
        return self.landing.time

    @property
    def landing_lat(self) -> float:
        return self.landing.lat

    @property
    def landing_lon(self) -> float:
        return self.landing.lon


@dataclass(frozen=True, slots=True)
class _Plan:
    tracker: str
    kind: PredictionKind
    start: TrackPoint
    airborne: tuple[Fix, ...]
    ascent_mps: float | None
    burst_alt_m: float | None
    sea_level_mps: float
    ground_alt_m: float


def fly(
    start: TrackPoint,
    profile: WindProfile | None,
    *,
    ascent_mps: float | None,
    burst_alt_m: float | None,
    sea_level_descent_mps: float,
    ground_alt_m: float,
    step_s: float = 5.0,
    path_step_s: float = 30.0,
) -> tuple[list[TrackPoint], TrackPoint | None]:
    """Play a flight forward from ``start``: climb to ``burst_alt_m`` (if an ascent rate is
    given), then fall to ``ground_alt_m``. Returns the path and the burst point (if climbed).

    The path has a point every ``path_step_s`` of flight time, plus the burst and the landing.
    Without a profile there is no wind.
    """
    if sea_level_descent_mps <= 0 or step_s <= 0:
        raise ValueError("descent speed and step must be positive")
    lat, lon, alt = start.lat, start.lon, start.alt_m
    elapsed = 0.0
    recorded = 0.0
    path = [start]
    burst: TrackPoint | None = None
    climbing = ascent_mps is not None and burst_alt_m is not None and alt < burst_alt_m
    while climbing or alt > ground_alt_m:
        if climbing and ascent_mps is not None and burst_alt_m is not None:
            dt = min(step_s, (burst_alt_m - alt) / ascent_mps)
            dh = ascent_mps * dt
        else:
            guess = descent_rate_at(alt, sea_level_descent_mps)
            rate = descent_rate_at(alt - guess * step_s / 2, sea_level_descent_mps)
            dt = min(step_s, (alt - ground_alt_m) / rate)
            dh = -rate * dt
        east, north = profile.at(alt + dh / 2) if profile is not None else (0.0, 0.0)
        lat, lon = offset_position(lat, lon, east * dt, north * dt)
        alt += dh
        elapsed += dt
        point = TrackPoint(start.time + timedelta(seconds=elapsed), lat, lon, alt)
        if climbing and burst_alt_m is not None and alt >= burst_alt_m - 1e-6:
            climbing = False
            burst = point
            path.append(point)
            recorded = elapsed
        elif elapsed - recorded >= path_step_s - 1e-6:
            path.append(point)
            recorded = elapsed
        elif not climbing and alt <= ground_alt_m:
            path.append(point)
    return path, burst


def _current_flight(
    fixes: Iterable[Fix], at_time: datetime | None, settings: PredictionSettings
) -> Flight | None:
    chosen = [f for f in fixes if at_time is None or f.time <= at_time]
    if len({f.tracker for f in chosen}) > 1:
        raise ValueError("predictions take the fixes of one tracker")
    flights = split_flights(chosen, settings.flight)
    return flights[-1] if flights else None


def _plan(flight: Flight, kind: PredictionKind | None, s: PredictionSettings) -> _Plan | None:
    phase = flight.phases[-1]
    if phase not in ("ascent", "float", "descent"):
        return None
    wanted: PredictionKind = kind or ("descent" if phase == "descent" else "ascent")
    if (wanted, phase) in (("ascent", "descent"), ("descent", "ascent"), ("descent", "float")):
        return None
    now = flight.fixes[-1]
    airborne = flight.fixes_in("ascent", "float", "descent")
    if now.alt_m is None:
        return None
    start = TrackPoint(now.time, now.lat, now.lon, now.alt_m)
    ground = s.ground_alt_m
    if ground is None:
        ground = flight.launch.alt_m if flight.launch is not None else 0.0
    sea_level = s.sea_level_descent_mps
    if phase == "descent":
        measured = sea_level_descent_rate(airborne, now.time, s.descent_window_s)
        sea_level = measured if measured is not None else sea_level
    ascent: float | None = None
    burst_alt: float | None = None
    if wanted == "ascent":
        ascent = s.ascent_rate_mps or flight.ascent_rate_mps
        if ascent is None or ascent < _MIN_ASCENT_MPS:
            ascent = ascent_rate(airborne, now.time, s.rate_window_s)
        if ascent is None or ascent < _MIN_ASCENT_MPS:
            ascent = _FALLBACK_ASCENT_MPS
        burst_alt = s.burst_alt_m
    return _Plan(flight.tracker, wanted, start, airborne, ascent, burst_alt, sea_level, ground)


def _prediction(plan: _Plan, path: Sequence[TrackPoint], burst: TrackPoint | None) -> Prediction:
    if plan.kind == "abort":
        burst = plan.start
    return Prediction(
        tracker=plan.tracker,
        made_at=plan.start.time,
        kind=plan.kind,
        landing=path[-1],
        path=tuple(path),
        burst=burst,
        ascent_rate_mps=plan.ascent_mps,
        sea_level_descent_mps=plan.sea_level_mps,
        ground_alt_m=plan.ground_alt_m,
    )


def predict_flight(
    flight: Flight, kind: PredictionKind | None = None, settings: PredictionSettings | None = None
) -> Prediction | None:
    """Predict where a flight lands, from its last fix.

    ``kind`` defaults to what the phase of the last fix calls for: ``"ascent"`` while climbing or
    floating, ``"descent"`` while falling. ``"abort"`` may be asked for at any time in the air.
    ``None`` when the flight has landed or the kind does not fit its phase.
    """
    s = settings or PredictionSettings()
    plan = _plan(flight, kind, s)
    if plan is None:
        return None
    profile = wind_profile(plan.airborne, s.wind_band_m)
    path, burst = _fly_plan(plan, profile, s)
    return _prediction(plan, path, burst)


def _fly_plan(
    plan: _Plan, profile: WindProfile | None, s: PredictionSettings
) -> tuple[list[TrackPoint], TrackPoint | None]:
    """Fly a plan's remaining flight through a wind profile (None: no wind)."""
    return fly(
        plan.start,
        profile,
        ascent_mps=plan.ascent_mps,
        burst_alt_m=plan.burst_alt_m,
        sea_level_descent_mps=plan.sea_level_mps,
        ground_alt_m=plan.ground_alt_m,
        step_s=s.step_s,
        path_step_s=s.path_step_s,
    )


def predict_at(
    fixes: Iterable[Fix],
    at_time: datetime | None = None,
    kind: PredictionKind | None = None,
    settings: PredictionSettings | None = None,
) -> Prediction | None:
    """Predict the landing of one tracker's latest flight from its fixes up to ``at_time``.

    Fixes after ``at_time`` are ignored, so this shows what could have been predicted then.
    ``None`` when no flight is in the air at that time.
    """
    s = settings or PredictionSettings()
    flight = _current_flight(fixes, at_time, s)
    return None if flight is None else predict_flight(flight, kind, s)


def naive_prediction(
    fixes: Iterable[Fix],
    at_time: datetime | None = None,
    kind: PredictionKind | None = None,
    settings: PredictionSettings | None = None,
) -> Prediction | None:
    """The baseline: drift in a straight line at the current smoothed ground velocity.

    The remaining flight time is worked out as in :func:`predict_at`; only the winds differ.
    """
    s = settings or PredictionSettings()
    flight = _current_flight(fixes, at_time, s)
    return None if flight is None else naive_flight_prediction(flight, kind, s)


def naive_flight_prediction(
    flight: Flight, kind: PredictionKind | None = None, settings: PredictionSettings | None = None
) -> Prediction | None:
    """:func:`naive_prediction` for a flight already split from its fixes."""
    s = settings or PredictionSettings()
    plan = _plan(flight, kind, s)
    if plan is None:
        return None
    still, burst = _fly_plan(plan, None, s)
    velocity = ground_velocity(plan.airborne, plan.start.time, s.rate_window_s)
    ve = velocity.east_mps if velocity is not None else 0.0
    vn = velocity.north_mps if velocity is not None else 0.0

    def drifted(p: TrackPoint) -> TrackPoint:
        seconds = (p.time - plan.start.time).total_seconds()
        lat, lon = offset_position(plan.start.lat, plan.start.lon, ve * seconds, vn * seconds)
        return TrackPoint(p.time, lat, lon, p.alt_m)

    return _prediction(plan, [drifted(p) for p in still], None if burst is None else drifted(burst))


@dataclass(frozen=True, slots=True)
class Forecast:
    """Everything predicted from one moment of a flight.

    ``flight`` is the flight as it looked with the data up to that moment; ``prediction`` the
    landing predicted for its phase, ``naive`` the baseline's, and ``abort`` where it would land
    if it burst now (``None`` once it is descending).
    """

    flight: Flight
    prediction: Prediction
    naive: Prediction | None
    abort: Prediction | None


def forecast(
    fixes: Iterable[Fix],
    at_time: datetime | None = None,
    settings: PredictionSettings | None = None,
) -> Forecast | None:
    """Predict, the naive baseline and an abort from one tracker's fixes up to ``at_time``.

    The fixes are split into flights once. ``None`` when the latest flight is not in the air
    at that time (not launched yet, or landed).
    """
    s = settings or PredictionSettings()
    flight = _current_flight(fixes, at_time, s)
    if flight is None:
        return None
    prediction = predict_flight(flight, None, s)
    if prediction is None:
        return None
    abort = predict_flight(flight, "abort", s) if prediction.kind == "ascent" else None
    return Forecast(flight, prediction, naive_flight_prediction(flight, None, s), abort)
