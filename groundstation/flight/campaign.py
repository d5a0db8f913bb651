"""Launch campaigns: many balloons launched from nearby sites within one window.

Crews that launch balloons in batches (dozens a night, to carry a payload across a border or a
sea) care about the fleet: how many went up, burst, crossed, landed beyond the line or were
lost, and where the landings scatter. This module groups analysed flights into campaigns and
summarises them; it is pure computation (the ``campaign`` command reads the database).

Grouping (:func:`group_campaigns`): flights are taken in launch order; a flight joins the open
campaign whose first launch is at most ``window_h`` earlier and one of whose launch sites is
within ``radius_km`` of its own, else it starts a new campaign. A flight heard only once airborne
counts as launched at its first fix. A campaign's id is the id of its first flight, so it stays
the same as flights are added to it. Launch sites closer than :data:`SITE_RADIUS_M` are one site.

Boundaries (:mod:`.boundary`): a flight *crossed* a boundary when its track crossed it at least
once; it *landed beyond* it when it landed on the other side from its launch site.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from groundstation.flight.boundary import Boundary, Crossing, crossings, distance_m, side_of
from groundstation.flight.flights import Flight, TrackPoint
from groundstation.flight.geo import ground_distance_m, local_offset_m, offset_position

DEFAULT_WINDOW_H = 12.0
DEFAULT_RADIUS_KM = 50.0
SITE_RADIUS_M = 2_000.0


@dataclass(frozen=True, slots=True)
class CampaignSettings:
    """How flights are grouped: launches within ``window_h`` hours of the campaign's first,
    from within ``radius_km`` of one of its sites."""

    window_h: float = DEFAULT_WINDOW_H
    radius_km: float = DEFAULT_RADIUS_KM


@dataclass(frozen=True, slots=True)
class BoundaryResult:
    """One flight against one boundary.

    ``start_side`` is the side of the launch (or first fix), ``end_side`` that of the landing
    (or last fix); ``end_distance_m`` how far the landing (or last fix) is from the boundary.
    """

    boundary: str
    crossings: tuple[Crossing, ...]
    start_side: str
    end_side: str
    end_distance_m: float

    @property
    def crossed(self) -> bool:
        return bool(self.crossings)

    @property
    def ended_beyond(self) -> bool:
        return self.end_side != self.start_side


@dataclass(frozen=True, slots=True)
class Site:
    """A launch site: the first launch's position there, and how many launched from it."""

    number: int
    lat: float
    lon: float
    launches: int


@dataclass(frozen=True, slots=True)
class CampaignFlight:
    """A flight of a campaign with what the campaign needs to know of it."""

    id: int
    flight: Flight
    site: int
    boundaries: tuple[BoundaryResult, ...]

    @property
    def tracker(self) -> str:
        return self.flight.tracker

    @property
    def start(self) -> TrackPoint:
        return launch_point(self.flight)

    @property
    def end(self) -> TrackPoint:
        """Where it landed, or where it was last heard."""
        return self.flight.landing if self.flight.landing is not None else self.flight.last

    @property
    def landed(self) -> bool:
        return self.flight.landing is not None

    @property
    def lost(self) -> bool:
        return self.flight.status == "signal lost"

    @property
    def burst(self) -> bool:
        return self.flight.burst is not None

    @property
    def floated(self) -> bool:
        return bool(self.flight.floats)

    @property
    def crossed(self) -> bool:
        return any(b.crossed for b in self.boundaries)

    @property
    def landed_beyond(self) -> bool:
        return self.landed and any(b.ended_beyond for b in self.boundaries)


@dataclass(frozen=True, slots=True)
class Scatter:
    """Where the landings lie: their centre (mean position), the root-mean-square distance
    from it (``spread_m``), and the landing farthest from it."""

    count: int
    centre_lat: float
    centre_lon: float
    spread_m: float
    farthest_tracker: str
    farthest_id: int
    farthest_m: float


@dataclass(frozen=True, slots=True)
class BoundaryTally:
    """A campaign against one boundary."""

    boundary: str
    crossed: int
    landed_beyond: int
    farthest_beyond_m: float | None
    farthest_beyond_tracker: str | None


@dataclass(frozen=True, slots=True)
class Campaign:
    """A group of flights launched together (see the module docstring)."""

    id: int
    flights: tuple[CampaignFlight, ...]
    sites: tuple[Site, ...]
    boundaries: tuple[BoundaryTally, ...]
    scatter: Scatter | None

    @property
    def first_launch(self) -> datetime:
        return self.flights[0].start.time

    @property
    def last_launch(self) -> datetime:
        return self.flights[-1].start.time

    def count(self, what: str) -> int:
        """How many flights have the property ``what`` (``landed``, ``lost``, ``burst``...)."""
        return sum(1 for f in self.flights if getattr(f, what))

    @property
    def in_flight(self) -> int:
        return sum(1 for f in self.flights if f.flight.status == "in flight")


def launch_point(flight: Flight) -> TrackPoint:
    """The launch, or the first fix of a flight heard only once airborne."""
    if flight.launch is not None:
        return flight.launch
    first = flight.fixes[0]
    return TrackPoint(
        first.time, first.lat, first.lon, first.alt_m if first.alt_m is not None else math.nan
    )


def group_campaigns(
    flights: Sequence[tuple[int, Flight]], settings: CampaignSettings | None = None
) -> list[list[tuple[int, Flight]]]:
    """The flights (``(id, flight)`` pairs) grouped into campaigns, each in launch order, the
    campaigns in the order of their first launch."""
    by_id = dict(flights)
    starts = [(fid, launch_point(flight)) for fid, flight in flights]
    return [[(fid, by_id[fid]) for fid in group] for group in group_launches(starts, settings)]


def group_launches(
    launches: Sequence[tuple[int, TrackPoint]], settings: CampaignSettings | None = None
) -> list[list[int]]:
    """Ids grouped into campaigns by launch time and place (see the module docstring).

    A launch that fits several campaigns joins them into one: two sites' launches that began
    apart (the first balloon was heard only far downwind, say) become one campaign as soon as a
    launch links them.
    """
    s = settings or CampaignSettings()
    ordered = sorted(launches, key=lambda item: (item[1].time, item[0]))
    groups: list[list[tuple[int, TrackPoint]]] = []
    window_s = s.window_h * 3600.0
    radius_m = s.radius_km * 1000.0
    for item in ordered:
        start = item[1]
        fits = [
            group
            for group in groups
            if (start.time - group[0][1].time).total_seconds() <= window_s
            and any(_distance(start, other) <= radius_m for _, other in group)
        ]
        if not fits:
            groups.append([item])
            continue
        home = fits[0]
        for other in fits[1:]:
            home.extend(other)
            groups.remove(other)
        home.append(item)
        home.sort(key=lambda member: (member[1].time, member[0]))
    groups.sort(key=lambda group: (group[0][1].time, group[0][0]))
    return [[fid for fid, _ in group] for group in groups]


def _distance(a: TrackPoint, b: TrackPoint) -> float:
    return ground_distance_m(a.lat, a.lon, b.lat, b.lon)


def boundary_result(flight: Flight, boundary: Boundary) -> BoundaryResult:
    """How one flight went against one boundary."""
    start = launch_point(flight)
    end = flight.landing if flight.landing is not None else flight.last
    track = [
        TrackPoint(f.time, f.lat, f.lon, f.alt_m if f.alt_m is not None else math.nan)
        for f in flight.fixes
    ]
    return BoundaryResult(
        boundary=boundary.name,
        crossings=tuple(crossings(boundary, track)),
        start_side=side_of(boundary, start.lat, start.lon),
        end_side=side_of(boundary, end.lat, end.lon),
        end_distance_m=distance_m(boundary, end.lat, end.lon),
    )


def _sites(members: Sequence[tuple[int, Flight]]) -> tuple[list[Site], list[int]]:
    sites: list[tuple[float, float, int]] = []
    which: list[int] = []
    for _, flight in members:
        start = launch_point(flight)
        for number, (lat, lon, _count) in enumerate(sites):
            if ground_distance_m(lat, lon, start.lat, start.lon) <= SITE_RADIUS_M:
                sites[number] = (lat, lon, _count + 1)
                which.append(number + 1)
                break
        else:
            sites.append((start.lat, start.lon, 1))
            which.append(len(sites))
    return [Site(n + 1, lat, lon, count) for n, (lat, lon, count) in enumerate(sites)], which


def landing_scatter(flights: Sequence[CampaignFlight]) -> Scatter | None:
    """The scatter of the landed flights' landing points (``None`` if none landed)."""
    landed = [f for f in flights if f.landed]
    if not landed:
        return None
    # The mean of the offsets in a local plane around the first landing: exact enough for a
    # scatter of some hundreds of kilometres, and right across the antimeridian.
    origin = landed[0].end
    offsets = [local_offset_m(origin.lat, origin.lon, f.end.lat, f.end.lon) for f in landed]
    east = sum(e for e, _ in offsets) / len(offsets)
    north = sum(n for _, n in offsets) / len(offsets)
    centre_lat, centre_lon = offset_position(origin.lat, origin.lon, east, north)
    distances = [ground_distance_m(centre_lat, centre_lon, f.end.lat, f.end.lon) for f in landed]
    spread = math.sqrt(sum(d * d for d in distances) / len(distances))
    far = max(range(len(landed)), key=distances.__getitem__)
    return Scatter(
        count=len(landed),
        centre_lat=centre_lat,
        centre_lon=centre_lon,
        spread_m=spread,
        farthest_tracker=landed[far].tracker,
        farthest_id=landed[far].id,
        farthest_m=distances[far],
    )


def _tally(flights: Sequence[CampaignFlight], index: int, name: str) -> BoundaryTally:
    beyond = [f for f in flights if f.landed and f.boundaries[index].ended_beyond]
    far = max(beyond, key=lambda f: f.boundaries[index].end_distance_m, default=None)
    return BoundaryTally(
        boundary=name,
        crossed=sum(1 for f in flights if f.boundaries[index].crossed),
        landed_beyond=len(beyond),
        farthest_beyond_m=far.boundaries[index].end_distance_m if far is not None else None,
        farthest_beyond_tracker=far.tracker if far is not None else None,
    )


def analyse_campaign(
    members: Sequence[tuple[int, Flight]], boundaries: Sequence[Boundary] = ()
) -> Campaign:
    """One campaign's summary: its sites, every flight against every boundary, the scatter."""
    if not members:
        raise ValueError("a campaign needs at least one flight")
    ordered = sorted(members, key=lambda item: (launch_point(item[1]).time, item[0]))
    sites, which = _sites(ordered)
    flights = tuple(
        CampaignFlight(
            id=fid,
            flight=flight,
            site=site,
            boundaries=tuple(boundary_result(flight, b) for b in boundaries),
        )
        for (fid, flight), site in zip(ordered, which, strict=True)
    )
    return Campaign(
        id=ordered[0][0],
        flights=flights,
        sites=tuple(sites),
        boundaries=tuple(_tally(flights, i, b.name) for i, b in enumerate(boundaries)),
        scatter=landing_scatter(flights),
    )
