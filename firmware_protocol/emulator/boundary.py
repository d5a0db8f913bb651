"""A boundary for a campaign to cross: a line across the fleet's drift, and who crossed it.

:func:`boundary_across` places a great-circle line perpendicular to the fleet's mean drift,
in the widest gap between landing distances near the median, so some balloons land beyond it
and some short of it, none of them on it. The line is long enough to span every track with a
margin. It is written densified (a vertex every few km), so a reader that joins the vertices
by straight lines in latitude/longitude and one that joins them by great circles agree to a
few metres.

The side of a point and the crossings of a track are computed on the sphere: the signed
distance from the great circle, positive beyond the line (downwind).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from firmware_protocol.emulator.flight import EARTH_RADIUS_M, FlightTruth, TruthPoint

Vector = tuple[float, float, float]
VERTEX_SPACING_M = 5_000.0
MARGIN_M = 20_000.0


def _vector(lat: float, lon: float) -> Vector:
    p, lam = math.radians(lat), math.radians(lon)
    return (math.cos(p) * math.cos(lam), math.cos(p) * math.sin(lam), math.sin(p))


def _latlon(v: Vector) -> tuple[float, float]:
    x, y, z = v
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


def _cross(a: Vector, b: Vector) -> Vector:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a: Vector, b: Vector) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _unit(a: Vector) -> Vector:
    norm = math.sqrt(_dot(a, a))
    return (a[0] / norm, a[1] / norm, a[2] / norm)


def destination(lat: float, lon: float, bearing_deg: float, distance_m: float) -> Vector:
    """The point ``distance_m`` from (lat, lon) along the great circle at ``bearing_deg``."""
    p, lam = math.radians(lat), math.radians(lon)
    theta, delta = math.radians(bearing_deg), distance_m / EARTH_RADIUS_M
    p2 = math.asin(math.sin(p) * math.cos(delta) + math.cos(p) * math.sin(delta) * math.cos(theta))
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(p),
        math.cos(delta) - math.sin(p) * math.sin(p2),
    )
    return _vector(math.degrees(p2), math.degrees(lam2))


@dataclass(frozen=True)
class Crossing:
    time: float  # seconds since the simulation start, interpolated between packets
    lat: float
    lon: float
    alt: float
    direction: Literal["outbound", "inbound"]  # outbound: toward the far (downwind) side


@dataclass(frozen=True)
class Boundary:
    """A great-circle segment from ``start`` to ``end`` (each (lat, lon)); the far side, the
    one the fleet drifts toward, is on the left when walking from start to end."""

    name: str
    start: tuple[float, float]
    end: tuple[float, float]

    @property
    def _pole(self) -> Vector:
        # a unit vector normal to the line's plane, pointing to the far side
        return _unit(_cross(_vector(*self.start), _vector(*self.end)))

    def signed_distance_m(self, lat: float, lon: float) -> float:
        """Distance from the line's great circle: positive beyond, negative short of it."""
        sine = max(-1.0, min(1.0, _dot(_vector(lat, lon), self._pole)))
        return math.asin(sine) * EARTH_RADIUS_M

    def _within(self, lat: float, lon: float) -> bool:
        """Whether a point near the great circle lies between the segment's ends."""
        a, b, p = _vector(*self.start), _vector(*self.end), _vector(lat, lon)
        pole = self._pole
        length = math.atan2(_dot(_cross(a, b), pole), _dot(a, b))
        along = math.atan2(_dot(_cross(a, p), pole), _dot(a, p))
        return 0.0 <= along <= length

    def crossings(self, points: Sequence[TruthPoint]) -> list[Crossing]:
        """Every crossing of the segment by a track, in time order."""
        found: list[Crossing] = []
        pole = self._pole
        previous: tuple[TruthPoint, float] | None = None
        for point in points:
            side = _dot(_vector(point.lat, point.lon), pole)
            if previous is not None:
                last, last_side = previous
                if (last_side < 0.0) != (side < 0.0):
                    f = last_side / (last_side - side)
                    lat = last.lat + f * (point.lat - last.lat)
                    lon = last.lon + f * (point.lon - last.lon)
                    if self._within(lat, lon):
                        found.append(
                            Crossing(
                                time=last.time + f * (point.time - last.time),
                                lat=lat,
                                lon=lon,
                                alt=last.alt + f * (point.alt - last.alt),
                                direction="outbound" if side >= 0.0 else "inbound",
                            )
                        )
            previous = (point, side)
        return found

    def vertices(self) -> list[tuple[float, float]]:
        """(lat, lon) every few km along the great circle, ends included."""
        a, b = _vector(*self.start), _vector(*self.end)
        angle = math.acos(max(-1.0, min(1.0, _dot(a, b))))
        steps = max(1, math.ceil(angle * EARTH_RADIUS_M / VERTEX_SPACING_M))
        out = []
        for k in range(steps + 1):
            t = k / steps
            wa, wb = math.sin((1 - t) * angle), math.sin(t * angle)
            v = (wa * a[0] + wb * b[0], wa * a[1] + wb * b[1], wa * a[2] + wb * b[2])
            out.append(_latlon(_unit(v)))
        return out

    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection with one LineString feature (coordinates lon, lat)."""
        coordinates = [[round(lon, 6), round(lat, 6)] for lat, lon in self.vertices()]
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": self.name},
                    "geometry": {"type": "LineString", "coordinates": coordinates},
                }
            ],
        }


def _local(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    """Metres east and north of (lat0, lon0), equirectangular (for placing the line only)."""
    k = math.pi / 180 * EARTH_RADIUS_M
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def boundary_across(flights: Sequence[FlightTruth], name: str = "Campaign boundary") -> Boundary:
    """A line across the fleet's drift that some balloons land beyond and some short of."""
    if not flights:
        raise ValueError("a boundary needs at least one flight")
    lat0 = sum(f.launch_lat for f in flights) / len(flights)
    lon0 = sum(f.launch_lon for f in flights) / len(flights)
    landings = [_landing(f) for f in flights]
    local = [_local(lat0, lon0, lat, lon) for lat, lon in landings]
    drift_e = sum(e for e, _ in local) / len(local)
    drift_n = sum(n for _, n in local) / len(local)
    if math.hypot(drift_e, drift_n) < 1.0:  # no drift at all: any direction will do
        drift_e, drift_n = 1.0, 0.0
    bearing = math.degrees(math.atan2(drift_e, drift_n)) % 360.0
    u_e, u_n = math.sin(math.radians(bearing)), math.cos(math.radians(bearing))
    along = sorted(e * u_e + n * u_n for e, n in local)
    distance = _widest_middle_gap(along)
    centre = _latlon(destination(lat0, lon0, bearing, distance))
    # the half-length spans every track point's offset along the line, plus a margin
    across = [
        abs(-e * u_n + n * u_e)
        for f in flights
        for e, n in (_local(centre[0], centre[1], p.lat, p.lon) for p in f.points)
    ]
    half = max(across, default=0.0) * 1.2 + MARGIN_M
    start = _latlon(destination(*centre, (bearing - 90.0) % 360.0, half))
    end = _latlon(destination(*centre, (bearing + 90.0) % 360.0, half))
    return Boundary(name, start, end)


def _landing(flight: FlightTruth) -> tuple[float, float]:
    e = flight.events
    if e.landing_lat is None or e.landing_lon is None:
        raise ValueError(f"{flight.callsign} has not landed")
    return e.landing_lat, e.landing_lon


def _widest_middle_gap(along: list[float]) -> float:
    """The middle of the widest gap between sorted distances, among the middle half of the
    fleet, so that some land on each side; half-way out for a single balloon."""
    n = len(along)
    if n == 1:
        return along[0] / 2
    low, high = max(1, n // 4), max(1, min(n - 1, n - n // 4))
    best = max(range(low, high + 1), key=lambda i: along[i] - along[i - 1])
    return (along[best] + along[best - 1]) / 2
