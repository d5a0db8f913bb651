"""Boundaries (a border line, a coastline, a restricted area) and the tracks that cross them.

A :class:`Boundary` comes from a GeoJSON file (:func:`load_boundaries`): a line (LineString,
MultiLineString) or an area (Polygon, MultiPolygon, holes included). Vertices are kept as
``(lat, lon)``; polygon rings are stored closed (the last vertex repeats the first), as in
GeoJSON.

**Edges are great-circle arcs.** The edge between two vertices is the shorter great circle
between them, on a sphere of the mean earth radius, so a border drawn with two vertices 500 km
apart is the geodesic between them. RFC 7946 says a GeoJSON edge is a straight line in
longitude/latitude; over hundreds of kilometres the two differ by kilometres, and a balloon
crossing a long border is judged against the geodesic here on purpose (``tests/flight/
test_boundary.py`` measures the difference). Draw boundaries with vertices every few tens of
kilometres and the two agree to metres. Consecutive vertices may not be antipodal, and an area
must lie within 80 degrees of the centre of its vertices.

**Sides.** For a line, a point is ``"left"`` or ``"right"`` of it as drawn (walking from its
first vertex to its last), judged against its nearest edge (at a vertex, against both edges
meeting there). Beyond the ends of a line the nearest edge's great circle decides, so a track
can change side without crossing by going round an end. For an area, a point is ``"inside"``
or ``"outside"`` (even-odd: a hole is outside).

**Crossings** (:func:`crossings`, and :class:`CrossingWatch` for a live track, which finds the
same ones fix by fix) are where the track, flown along great-circle arcs between fixes, meets
the boundary and goes on to the other side; time and altitude are interpolated along the arc.
Each crossing is found once: a fix exactly on the line counts once, a track that touches the
line and turns back (within 5 cm) does not cross. To make that hold at vertices too, track
positions are nudged by 1e-9 degree (a tenth of a millimetre) before the geometry.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np

from groundstation.flight import sphere
from groundstation.flight.flights import TrackPoint
from groundstation.flight.sphere import (
    NUDGE_LAT,
    NUDGE_LON,
    Event,
    Floats,
    Geometry,
    cancels,
    distance,
    events,
    near,
    nudged,
    prepare,
    side,
)

__all__ = [
    "Boundary",
    "BoundaryError",
    "Crossing",
    "CrossingWatch",
    "crossings",
    "distance_m",
    "load_boundaries",
    "load_boundary_files",
    "side_of",
]

BoundaryKind = Literal["line", "polygon"]

_GEOMETRIES = "LineString, MultiLineString, Polygon or MultiPolygon"


class BoundaryError(ValueError):
    """A boundary file that cannot be used; the message is one sentence naming the file."""


@dataclass(frozen=True, slots=True)
class Boundary:
    """A line or an area, with its vertices as ``(lat, lon)`` degrees.

    ``parts`` holds each LineString of a line, or each ring (outer rings and holes, closed)
    of an area. ``name`` is the GeoJSON feature's ``name`` property, else ``"<file stem> <n>"``.
    """

    name: str
    kind: BoundaryKind
    parts: tuple[tuple[tuple[float, float], ...], ...]


@dataclass(frozen=True, slots=True)
class Crossing:
    """A track meeting a boundary and going on to its other side.

    ``from_side``/``to_side`` are ``"left"``/``"right"`` of a line as drawn, or
    ``"outside"``/``"inside"`` of an area. ``alt_m`` is ``None`` when a fix around it had none.
    """

    boundary: str
    time: datetime
    lat: float
    lon: float
    alt_m: float | None
    from_side: str
    to_side: str

    @property
    def direction(self) -> str:
        """``"left to right"``, ``"right to left"``, ``"into"`` or ``"out of"``."""
        if self.to_side == "inside":
            return "into"
        if self.from_side == "inside":
            return "out of"
        return f"{self.from_side} to {self.to_side}"


# -- reading GeoJSON ---------------------------------------------------------------------------


def load_boundary_files(paths: Iterable[str | Path]) -> list[Boundary]:
    """The boundaries of several GeoJSON files, in order."""
    found: list[Boundary] = []
    for path in paths:
        found.extend(load_boundaries(path))
    return found


def load_boundaries(path: str | Path) -> list[Boundary]:
    """The lines and areas of a GeoJSON file: a FeatureCollection, a Feature or a geometry.

    Raises :class:`BoundaryError` for a file that cannot be read, is not JSON, holds another
    kind of geometry, or has bad coordinates.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BoundaryError(f"the boundary file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
        raise BoundaryError(f"the boundary file {path} cannot be read ({reason})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BoundaryError(
            f"the boundary file {path} is not valid JSON ({exc.msg} at line {exc.lineno})"
        ) from None
    except RecursionError:
        raise BoundaryError(f"the boundary file {path} is nested too deeply") from None
    features = _features(document, path)
    if not features:
        raise BoundaryError(f"the boundary file {path} holds no lines or polygons")
    found = []
    for number, feature in enumerate(features, start=1):
        boundary = _boundary(feature, number, path)
        try:
            _geometry(boundary)
        except ValueError as exc:
            raise BoundaryError(f"in the boundary file {path}, {boundary.name!r} {exc}") from None
        found.append(boundary)
    return found


def _features(document: Any, path: Path) -> list[Any]:
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise BoundaryError(f"the FeatureCollection in {path} has no list of features")
        return features
    if kind == "Feature":
        return [document]
    if isinstance(kind, str) and "coordinates" in document:
        return [{"type": "Feature", "geometry": document, "properties": None}]
    raise BoundaryError(
        f"the boundary file {path} is not GeoJSON (no FeatureCollection, Feature or geometry)"
    )


def _boundary(feature: Any, number: int, path: Path) -> Boundary:
    where = f"feature {number} of the boundary file {path}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise BoundaryError(f"{where} is not a GeoJSON Feature")
    properties = feature.get("properties")
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str) or not name.strip():
        name = f"{path.stem} {number}"
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        raise BoundaryError(f"{where} has no geometry")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    try:
        if kind == "LineString":
            return Boundary(name, "line", (_line(coordinates),))
        if kind == "MultiLineString":
            return Boundary(name, "line", tuple(_line(c) for c in _list(coordinates, 1)))
        if kind == "Polygon":
            return Boundary(name, "polygon", tuple(_ring(c) for c in _list(coordinates, 1)))
        if kind == "MultiPolygon":
            rings = [_ring(r) for polygon in _list(coordinates, 1) for r in _list(polygon, 1)]
            return Boundary(name, "polygon", tuple(rings))
    except ValueError as exc:
        raise BoundaryError(f"{where} ({kind}) {exc}") from None
    shown = kind if isinstance(kind, str) else "no geometry type"
    raise BoundaryError(f"{where} is a {shown[:40]!s}, but a boundary must be a {_GEOMETRIES}")


def _list(value: Any, minimum: int) -> list[Any]:
    if not isinstance(value, list) or len(value) < minimum:
        raise ValueError(f"needs a list of at least {minimum} coordinate entries")
    return value


def _position(value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
    ):
        raise ValueError(f"has a position {str(value)[:40]} that is not [longitude, latitude]")
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"has a position [{lon:g}, {lat:g}] outside the earth's ranges")
    return lat, lon


def _distinct(positions: list[Any]) -> list[tuple[float, float]]:
    points = [_position(p) for p in positions]
    kept = [points[0]]
    for point in points[1:]:
        if point != kept[-1]:
            kept.append(point)
    return kept


def _line(value: Any) -> tuple[tuple[float, float], ...]:
    points = _distinct(_list(value, 2))
    if len(points) < 2:
        raise ValueError("has a line with fewer than two different positions")
    return tuple(points)


def _ring(value: Any) -> tuple[tuple[float, float], ...]:
    points = _distinct(_list(value, 3))
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3:
        raise ValueError("has a ring with fewer than three different positions")
    return (*points, points[0])


# -- side and distance -------------------------------------------------------------------------


def side_of(boundary: Boundary, lat: float, lon: float) -> str:
    """``"left"``/``"right"`` of a line as drawn, ``"inside"``/``"outside"`` of an area."""
    return side(_geometry(boundary), nudged(lat, lon))


def distance_m(boundary: Boundary, lat: float, lon: float) -> float:
    """The distance (metres, along the ground) from a point to the nearest point of the line or
    of the area's outline, whichever side the point is on."""
    return distance(_geometry(boundary), lat, lon)


def _geometry(boundary: Boundary) -> Geometry:
    return prepare(boundary.kind, boundary.parts)


# -- crossings ---------------------------------------------------------------------------------


def crossings(boundary: Boundary, track: Sequence[TrackPoint]) -> list[Crossing]:
    """Where a track (fixes in time order) crosses a boundary, in order."""
    if len(track) < 2:
        return []
    g = _geometry(boundary)
    start = track[0].time
    seconds = np.array([(p.time - start).total_seconds() for p in track])
    alts = np.array([math.nan if p.alt_m is None else p.alt_m for p in track], dtype=np.float64)
    v = sphere.unit_vectors([p.lat + NUDGE_LAT for p in track], [p.lon + NUDGE_LON for p in track])
    raw = events(g, v[:-1], v[1:], side(g, v[0]))
    kept: list[Event] = []
    for event in raw:
        if (
            kept
            and cancels(kept[-1], event)
            and bool(np.all(near(kept[-1].point, v[kept[-1].segment + 1 : event.segment + 1])))
        ):
            kept.pop()
        else:
            kept.append(event)
    return [_crossing(boundary.name, e, start, seconds, alts) for e in kept]


def _crossing(name: str, e: Event, start: datetime, seconds: Floats, alts: Floats) -> Crossing:
    i, f = e.segment, e.fraction
    at = float(seconds[i] + f * (seconds[i + 1] - seconds[i]))
    alt = float(alts[i] + f * (alts[i + 1] - alts[i]))
    lat, lon = sphere.lat_lon(e.point)
    return Crossing(
        boundary=name,
        time=start + timedelta(milliseconds=round(at * 1000)),
        lat=round(float(lat), 8),  # a millimetre: finer is the nudge's noise
        lon=round(float(lon), 8),
        alt_m=None if math.isnan(alt) else round(alt, 2),
        from_side=e.from_side,
        to_side=e.to_side,
    )


class CrossingWatch:
    """Crossings of one boundary by one live track, reported as fixes arrive.

    Feed the fixes in time order; each call returns the crossings it confirmed, the same ones
    :func:`crossings` finds in the whole track. A crossing within 5 cm of the latest fix waits
    for the next fix (it may be a touch that turns back).
    """

    def __init__(self, boundary: Boundary) -> None:
        self._boundary = boundary
        self._g = _geometry(boundary)
        self._last: tuple[Floats, datetime, float] | None = None
        self._side = ""
        self._pending: list[tuple[Event, Crossing]] = []

    def feed(self, time: datetime, lat: float, lon: float, alt_m: float | None) -> list[Crossing]:
        v = nudged(lat, lon)
        alt = math.nan if alt_m is None else alt_m
        if self._last is None:
            self._last = (v, time, alt)
            self._side = side(self._g, v)
            return []
        last, start, last_alt = self._last
        self._last = (v, time, alt)
        seconds = np.array([0.0, (time - start).total_seconds()])
        alts = np.array([last_alt, alt])
        for event in events(self._g, last[None, :], v[None, :], self._side):
            if self._pending and cancels(self._pending[-1][0], event):
                self._pending.pop()
            else:
                crossing = _crossing(self._boundary.name, event, start, seconds, alts)
                self._pending.append((event, crossing))
            self._side = event.to_side
        settled = [not bool(near(e.point, v)[0]) for e, _ in self._pending]
        if True not in settled:
            return []
        cut = len(settled) - settled[::-1].index(True)
        done, self._pending = self._pending[:cut], self._pending[cut:]
        return [c for _, c in done]
