"""Prediction for a launch not yet made: where it would land, how sure that is, what it crosses.

A planned launch (site, time, ascent rate, burst altitude, parachute) is flown through a wind
profile (measured by an earlier flight, or read from a file: :mod:`.sounding`) with
:func:`groundstation.flight.predict.fly`, the same flight model as the in-flight prediction.

The uncertainty comes from what a crew cannot know in advance: the burst altitude and the
ascent and descent rates. A small ensemble flies every combination of each of them at
``-spread``, nominal and ``+spread`` (10 % by default: 27 flights); its landings give the
spread. The winds are taken as measured; their change since they were measured is not in the
spread, which is why a recent flight's winds are best.

For each boundary the report says whether the nominal flight crosses it and lands beyond it
(on the other side from the launch site), and what fraction of the ensemble does.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from groundstation.flight.boundary import Boundary, Crossing, crossings, distance_m, side_of
from groundstation.flight.flights import TrackPoint
from groundstation.flight.geo import ground_distance_m
from groundstation.flight.predict import fly
from groundstation.flight.wind import WindProfile


@dataclass(frozen=True, slots=True)
class PlannedLaunch:
    """What a crew plans: where and when, and what the balloon is expected to do."""

    time: datetime
    lat: float
    lon: float
    alt_m: float = 0.0
    ascent_mps: float = 5.0
    burst_alt_m: float = 30_000.0
    sea_level_descent_mps: float = 5.0

    def problems(self) -> list[str]:
        """Plain sentences for each setting that cannot be flown (empty when all are fine)."""
        found = []
        if not 0.5 <= self.ascent_mps <= 20:
            found.append(f"the ascent rate {self.ascent_mps:g} m/s is outside 0.5..20 m/s")
        if not self.alt_m + 100 <= self.burst_alt_m <= 60_000:
            found.append(
                f"the burst altitude {self.burst_alt_m:g} m must be above the launch site"
                f" ({self.alt_m:g} m) and at most 60000 m"
            )
        if not 0.5 <= self.sea_level_descent_mps <= 50:
            found.append(
                f"the descent rate {self.sea_level_descent_mps:g} m/s is outside 0.5..50 m/s"
            )
        return found


@dataclass(frozen=True, slots=True)
class PlannedFlight:
    """One flight of the plan: its settings, path, burst and landing."""

    ascent_mps: float
    burst_alt_m: float
    sea_level_descent_mps: float
    path: tuple[TrackPoint, ...]
    burst: TrackPoint | None

    @property
    def landing(self) -> TrackPoint:
        return self.path[-1]


@dataclass(frozen=True, slots=True)
class BoundaryOutlook:
    """What a plan means for one boundary.

    ``launch_side`` is the launch site's side; ``crossings`` those of the nominal flight;
    ``lands_beyond`` whether the nominal landing is on another side than the launch site;
    ``landing_distance_m`` from the nominal landing to the boundary. The fractions are of the
    ensemble's flights that cross it at least once, and that land beyond it.
    """

    boundary: Boundary
    launch_side: str
    crossings: tuple[Crossing, ...]
    landing_side: str
    lands_beyond: bool
    landing_distance_m: float
    crossing_fraction: float
    beyond_fraction: float


@dataclass(frozen=True, slots=True)
class PlannedPrediction:
    """The nominal flight, the ensemble around it and the boundaries' outlook.

    ``spread_max_m`` is the radius around the nominal landing that holds every ensemble
    landing; ``spread_rms_m`` their root-mean-square distance from the nominal landing.
    """

    launch: PlannedLaunch
    nominal: PlannedFlight
    ensemble: tuple[PlannedFlight, ...]
    spread: float
    spread_max_m: float
    spread_rms_m: float
    outlooks: tuple[BoundaryOutlook, ...]
    winds_top_m: float | None

    @property
    def earliest_landing(self) -> datetime:
        return min(f.landing.time for f in self.ensemble)

    @property
    def latest_landing(self) -> datetime:
        return max(f.landing.time for f in self.ensemble)


def fly_plan(
    launch: PlannedLaunch,
    profile: WindProfile,
    *,
    ascent_mps: float | None = None,
    burst_alt_m: float | None = None,
    sea_level_descent_mps: float | None = None,
    step_s: float = 5.0,
    path_step_s: float = 30.0,
) -> PlannedFlight:
    """Fly the plan (with any of its settings replaced) through a wind profile."""
    ascent = launch.ascent_mps if ascent_mps is None else ascent_mps
    burst_alt = launch.burst_alt_m if burst_alt_m is None else burst_alt_m
    descent = sea_level_descent_mps or launch.sea_level_descent_mps
    start = TrackPoint(launch.time, launch.lat, launch.lon, launch.alt_m)
    path, burst = fly(
        start,
        profile,
        ascent_mps=ascent,
        burst_alt_m=burst_alt,
        sea_level_descent_mps=descent,
        ground_alt_m=launch.alt_m,
        step_s=step_s,
        path_step_s=path_step_s,
    )
    return PlannedFlight(ascent, burst_alt, descent, tuple(path), burst)


def predict_planned(
    launch: PlannedLaunch,
    profile: WindProfile,
    boundaries: Sequence[Boundary] = (),
    spread: float = 0.10,
) -> PlannedPrediction:
    """The nominal landing of a planned launch, the ensemble's spread, and each boundary's
    outlook."""
    problems = launch.problems()
    if problems:
        raise ValueError(problems[0])
    if not 0 <= spread < 0.5:
        raise ValueError(f"the spread {spread:g} must be from 0 to 0.5")
    nominal = fly_plan(launch, profile)
    factors = (1 - spread, 1.0, 1 + spread) if spread > 0 else (1.0,)
    ensemble = tuple(
        nominal
        if (a, b, d) == (1.0, 1.0, 1.0)
        else fly_plan(
            launch,
            profile,
            ascent_mps=launch.ascent_mps * a,
            burst_alt_m=max(launch.burst_alt_m * b, launch.alt_m + 100),
            sea_level_descent_mps=launch.sea_level_descent_mps * d,
        )
        for a, b, d in itertools.product(factors, repeat=3)
    )
    end = nominal.landing
    distances = [
        ground_distance_m(end.lat, end.lon, f.landing.lat, f.landing.lon) for f in ensemble
    ]
    outlooks = tuple(_outlook(b, launch, nominal, ensemble) for b in boundaries)
    top = profile.bands[-1].top_m if profile.bands else None
    return PlannedPrediction(
        launch=launch,
        nominal=nominal,
        ensemble=ensemble,
        spread=spread,
        spread_max_m=max(distances),
        spread_rms_m=math.sqrt(sum(d * d for d in distances) / len(distances)),
        outlooks=outlooks,
        winds_top_m=top,
    )


def _outlook(
    boundary: Boundary,
    launch: PlannedLaunch,
    nominal: PlannedFlight,
    ensemble: Sequence[PlannedFlight],
) -> BoundaryOutlook:
    home = side_of(boundary, launch.lat, launch.lon)
    crossed = 0
    beyond = 0
    for member in ensemble:
        crossed += bool(crossings(boundary, member.path))
        beyond += side_of(boundary, member.landing.lat, member.landing.lon) != home
    end = nominal.landing
    landing_side = side_of(boundary, end.lat, end.lon)
    return BoundaryOutlook(
        boundary=boundary,
        launch_side=home,
        crossings=tuple(crossings(boundary, nominal.path)),
        landing_side=landing_side,
        lands_beyond=landing_side != home,
        landing_distance_m=distance_m(boundary, end.lat, end.lon),
        crossing_fraction=crossed / len(ensemble),
        beyond_fraction=beyond / len(ensemble),
    )
