"""Great-circle arcs as unit vectors, and boundaries made of them: the geometry under
:mod:`.boundary` (sides, distances, crossings).

A point on the earth is the unit vector from the centre of a sphere of the mean earth radius.
An edge between two vertices is the shorter great-circle arc between them. Everything here is
numpy over many arcs at once; angles are radians.

The key facts used:

- The normal ``n = normalize(a x b)`` of the arc ``a -> b`` points to its left: a point ``p``
  is left of the arc's great circle when ``n . p > 0`` (seen from outside the sphere, walking
  from ``a`` to ``b``). ``asin(|n . p|)`` is the angle from ``p`` to that great circle.
- A point ``x`` on the great circle lies on the arc when ``(a x x) . n >= 0`` and
  ``(x x b) . n >= 0``.
- Where the arc ``p -> q`` crosses a great circle with normal ``n`` the point is
  ``normalize(p + t (q - p))`` with ``t = (n . p) / (n . p - n . q)``: a positive mix of ``p``
  and ``q`` (so on the arc ``p -> q``, never its antipode) and exactly on the circle, because
  ``n . x`` is linear in ``x``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from groundstation.flight.geo import MEAN_EARTH_RADIUS_M

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

EARTH_RADIUS_M = MEAN_EARTH_RADIUS_M
NUDGE_LAT = 0.6e-9  # degrees: track positions are moved this little (see :mod:`.boundary`)
NUDGE_LON = 0.8e-9
TOUCH_M = 0.05  # a crossing and a crossing back within this are a touch
_TOUCH = TOUCH_M / EARTH_RADIUS_M
_CHUNK = 16
_MAX_AREA_RADIUS_DEG = 80.0


def unit_vectors(lats: Sequence[float] | Floats, lons: Sequence[float] | Floats) -> Floats:
    """Unit vectors (n x 3) of points given in degrees."""
    phi = np.radians(np.asarray(lats, dtype=np.float64))
    lam = np.radians(np.asarray(lons, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)], axis=-1)


def lat_lon(v: Floats) -> tuple[Floats, Floats]:
    """Degrees latitude and longitude (in [-180, 180]) of unit vectors (n x 3)."""
    lat = np.degrees(np.arctan2(v[..., 2], np.hypot(v[..., 0], v[..., 1])))
    lon = np.degrees(np.arctan2(v[..., 1], v[..., 0]))
    return lat, lon


def normalized(v: Floats) -> Floats:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.asarray(v / np.where(norm > 0, norm, 1.0), dtype=np.float64)


def dot(a: Floats, b: Floats) -> Floats:
    return np.asarray(np.einsum("...i,...i->...", a, b), dtype=np.float64)


def angle(a: Floats, b: Floats) -> Floats:
    """The angle between unit vectors, accurate for small and large angles alike."""
    return np.asarray(
        np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), dot(a, b)), dtype=np.float64
    )


def sagitta(a: Floats, b: Floats) -> Floats:
    """How far (in unit-sphere lengths) an arc bulges outward from its chord: 1 - cos(half)."""
    half = angle(a, b) / 2
    return np.asarray(1.0 - np.cos(half), dtype=np.float64)


def boxes(a: Floats, b: Floats) -> tuple[Floats, Floats]:
    """Axis-aligned 3D boxes (low, high) that hold each arc ``a -> b`` (n x 3 each).

    The arc lies within its chord's box grown by the arc's sagitta in every direction.
    """
    pad = sagitta(a, b)[:, None] + 1e-12
    return np.minimum(a, b) - pad, np.maximum(a, b) + pad


def chunk_boxes(low: Floats, high: Floats, size: int) -> tuple[Floats, Floats]:
    """The boxes holding each run of ``size`` consecutive boxes."""
    count = len(low)
    chunks = (count + size - 1) // size
    pad = chunks * size - count
    lo = np.concatenate([low, np.repeat(low[-1:], pad, axis=0)]) if pad else low
    hi = np.concatenate([high, np.repeat(high[-1:], pad, axis=0)]) if pad else high
    return (
        lo.reshape(chunks, size, 3).min(axis=1),
        hi.reshape(chunks, size, 3).max(axis=1),
    )


def overlapping(low_a: Floats, high_a: Floats, low_b: Floats, high_b: Floats) -> tuple[Ints, Ints]:
    """Index pairs (i, j) of boxes ``a[i]`` and ``b[j]`` that overlap."""
    hit = np.all(
        (low_a[:, None, :] <= high_b[None, :, :]) & (low_b[None, :, :] <= high_a[:, None, :]),
        axis=-1,
    )
    i, j = np.nonzero(hit)
    return i.astype(np.int64), j.astype(np.int64)


def on_arc(a: Floats, b: Floats, n: Floats, x: Floats, include_end: Bools) -> Bools:
    """Whether points ``x`` on the great circles of arcs ``a -> b`` (normal ``n``) lie on the
    arcs; the start belongs to the arc, the end only where ``include_end``."""
    after_start = dot(np.cross(a, x), n) >= 0
    to_end = dot(np.cross(x, b), n)
    return np.asarray(after_start & ((to_end > 0) | (include_end & (to_end >= 0))))


def distance_to_arcs(p: Floats, a: Floats, b: Floats, n: Floats) -> tuple[Floats, Ints]:
    """Angle from the point ``p`` (3,) to each arc, and where its nearest point is: 0 inside
    the arc, 1 at the start ``a``, 2 at the end ``b``."""
    across = dot(n, p[None, :])
    foot = normalized(p[None, :] - across[:, None] * n)
    inside = (dot(np.cross(a, foot), n) >= 0) & (dot(np.cross(foot, b), n) >= 0)
    to_a = angle(np.broadcast_to(p, a.shape), a)
    to_b = angle(np.broadcast_to(p, b.shape), b)
    to_line = np.arcsin(np.clip(np.abs(across), 0.0, 1.0))
    where = np.where(inside, 0, np.where(to_a <= to_b, 1, 2)).astype(np.int64)
    dist = np.where(inside, to_line, np.minimum(to_a, to_b))
    return np.asarray(dist, dtype=np.float64), where


# -- the geometry, prepared once per boundary --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Geometry:
    kind: str  # "line" or "polygon"
    a: Floats  # arc starts (m x 3)
    b: Floats  # arc ends
    n: Floats  # unit normals, pointing left
    include_end: Bools  # the last arc of a line holds its end vertex
    before: Ints  # the arc ending where this one starts (same part), else -1
    after: Ints  # the arc starting where this one ends (same part), else -1
    low: Floats  # per-arc boxes
    high: Floats
    chunk_low: Floats
    chunk_high: Floats
    # areas: a central (gnomonic) projection around ``centre``, exact for great circles
    centre: Floats
    east: Floats
    north: Floats
    x1: Floats
    y1: Floats
    x2: Floats
    y2: Floats


@functools.lru_cache(maxsize=64)
def prepare(kind: str, parts: tuple[tuple[tuple[float, float], ...], ...]) -> Geometry:
    """The arcs of a boundary, ready for the questions below (cached)."""
    if not parts:
        raise ValueError("has no vertices")
    starts: list[Floats] = []
    ends: list[Floats] = []
    include_end: list[bool] = []
    before: list[int] = []
    after: list[int] = []
    for part in parts:
        if len(part) < 2:
            raise ValueError("has a part with fewer than two vertices")
        v = unit_vectors([p[0] for p in part], [p[1] for p in part])
        first = len(before)
        count = len(part) - 1
        closed = kind == "polygon"
        starts.append(v[:-1])
        ends.append(v[1:])
        include_end.extend([False] * (count - 1) + [not closed])
        before.extend([first + count - 1 if closed else -1] + list(range(first, first + count - 1)))
        after.extend(list(range(first + 1, first + count)) + [first if closed else -1])
    a = np.concatenate(starts)
    b = np.concatenate(ends)
    raw = np.cross(a, b)
    length = np.linalg.norm(raw, axis=-1)
    if np.any(length < 1e-12):
        raise ValueError("has two consecutive vertices that are antipodal")
    n = raw / length[:, None]
    low, high = boxes(a, b)
    chunk_low, chunk_high = chunk_boxes(low, high, _CHUNK)
    centre = normalized(a.sum(axis=0))
    if kind == "polygon" and (
        not np.any(centre) or np.min(dot(a, centre)) < math.cos(math.radians(_MAX_AREA_RADIUS_DEG))
    ):
        raise ValueError(f"is too large: it must lie within {_MAX_AREA_RADIUS_DEG:g} degrees")
    pole = np.array([0.0, 0.0, 1.0]) if abs(centre[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    east = normalized(np.cross(pole, centre))
    north = np.cross(centre, east)
    x1, y1 = _project(a, centre, east, north)
    x2, y2 = _project(b, centre, east, north)
    return Geometry(
        kind,
        a,
        b,
        n,
        np.array(include_end, dtype=np.bool_),
        np.array(before, dtype=np.int64),
        np.array(after, dtype=np.int64),
        low,
        high,
        chunk_low,
        chunk_high,
        centre,
        east,
        north,
        x1,
        y1,
        x2,
        y2,
    )


def _project(v: Floats, centre: Floats, east: Floats, north: Floats) -> tuple[Floats, Floats]:
    depth = v @ centre
    return (v @ east) / depth, (v @ north) / depth


def nudged(lat: float, lon: float) -> Floats:
    return np.asarray(unit_vectors([lat + NUDGE_LAT], [lon + NUDGE_LON])[0])


# -- side and distance -------------------------------------------------------------------------


def side(g: Geometry, p: Floats) -> str:
    if g.kind == "polygon":
        return "inside" if _inside(g, p) else "outside"
    return "left" if _left(g, p) else "right"


def _inside(g: Geometry, p: Floats) -> bool:
    depth = float(p @ g.centre)
    if depth <= 0:
        return False
    px, py = float(p @ g.east) / depth, float(p @ g.north) / depth
    spans = (g.y1 > py) != (g.y2 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = g.x1 + (py - g.y1) * (g.x2 - g.x1) / (g.y2 - g.y1)
    return bool(np.count_nonzero(spans & (px < at)) % 2)


def _left(g: Geometry, p: Floats) -> bool:
    dist, where = distance_to_arcs(p, g.a, g.b, g.n)
    j = int(np.argmin(dist))
    if where[j] == 1 and g.before[j] >= 0:
        return _left_at_vertex(g, int(g.before[j]), j, p)
    if where[j] == 2 and g.after[j] >= 0:
        return _left_at_vertex(g, j, int(g.after[j]), p)
    return bool(g.n[j] @ p >= 0)


def _left_at_vertex(g: Geometry, incoming: int, outgoing: int, p: Floats) -> bool:
    """Left of two arcs meeting at a vertex: of both where the line turns left, else of either."""
    left_in = bool(g.n[incoming] @ p >= 0)
    left_out = bool(g.n[outgoing] @ p >= 0)
    if g.n[incoming] @ g.b[outgoing] > 0:
        return left_in and left_out
    return left_in or left_out


def distance(g: Geometry, lat: float, lon: float) -> float:
    """Metres from a point to the nearest point of the boundary."""
    dist, _ = distance_to_arcs(unit_vectors([lat], [lon])[0], g.a, g.b, g.n)
    return float(dist.min()) * EARTH_RADIUS_M


# -- crossings ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Event:
    segment: int  # the track's arc, from fix ``segment`` to fix ``segment + 1``
    fraction: float  # of the way along it
    point: Floats
    from_side: str
    to_side: str


def _hits(
    g: Geometry, p: Floats, q: Floats, seg: Ints, arc: Ints
) -> tuple[Ints, Ints, Floats, Floats]:
    """Of the candidate pairs (track arc ``p[seg] -> q[seg]``, boundary arc ``arc``), those
    that cross: the track arc, the boundary arc, the fraction along the track arc, the point."""
    n = g.n[arc]
    dp = dot(n, p[seg])
    dq = dot(n, q[seg])
    change = (dp >= 0) != (dq >= 0)
    seg, arc, n, dp, dq = seg[change], arc[change], n[change], dp[change], dq[change]
    t = dp / (dp - dq)
    x = normalized(p[seg] + t[:, None] * (q[seg] - p[seg]))
    on = on_arc(g.a[arc], g.b[arc], n, x, g.include_end[arc])
    seg, arc, x = seg[on], arc[on], x[on]
    whole = angle(p[seg], q[seg])
    part = angle(p[seg], x)
    fraction = np.where(whole > 0, np.clip(part / np.where(whole > 0, whole, 1.0), 0, 1), 0.0)
    return seg, arc, fraction, x


def _candidates(g: Geometry, p: Floats, q: Floats) -> tuple[Ints, Ints]:
    """Pairs (track arc, boundary arc) whose boxes overlap, found chunk by chunk."""
    low, high = boxes(p, q)
    if len(p) <= _CHUNK:
        seg, arc = overlapping(low, high, g.low, g.high)
        return seg, arc
    chunk_low, chunk_high = chunk_boxes(low, high, _CHUNK)
    ci, cj = overlapping(chunk_low, chunk_high, g.chunk_low, g.chunk_high)
    segs: list[Ints] = []
    arcs: list[Ints] = []
    offsets = np.arange(_CHUNK, dtype=np.int64)
    step = 4096
    for start in range(0, len(ci), step):
        si = (ci[start : start + step, None, None] * _CHUNK + offsets[None, :, None]).repeat(
            _CHUNK, axis=2
        )
        aj = (cj[start : start + step, None, None] * _CHUNK + offsets[None, None, :]).repeat(
            _CHUNK, axis=1
        )
        si, aj = si.ravel(), aj.ravel()
        keep = (si < len(p)) & (aj < len(g.a))
        si, aj = si[keep], aj[keep]
        hit = np.all((low[si] <= g.high[aj]) & (g.low[aj] <= high[si]), axis=-1)
        segs.append(si[hit])
        arcs.append(aj[hit])
    if not segs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(segs), np.concatenate(arcs)


def events(g: Geometry, p: Floats, q: Floats, first_side: str) -> list[Event]:
    """The crossings of track arcs ``p -> q`` in track order, sides worked out."""
    seg, arc = _candidates(g, p, q)
    hit_seg, hit_arc, fraction, x = _hits(g, p, q, seg, arc)
    order = np.lexsort((fraction, hit_seg))
    events = []
    side = first_side
    for k in order:
        s = int(hit_seg[k])
        if g.kind == "polygon":
            other = "outside" if side == "inside" else "inside"
            events.append(Event(s, float(fraction[k]), x[k], side, other))
            side = other
        else:
            left = bool(g.n[hit_arc[k]] @ p[s] >= 0)
            sides = ("left", "right") if left else ("right", "left")
            events.append(Event(s, float(fraction[k]), x[k], *sides))
    return events


def cancels(top: Event, event: Event) -> bool:
    return (
        top.from_side == event.to_side
        and top.to_side == event.from_side
        and float(angle(top.point, event.point)) < _TOUCH
    )


def near(a: Floats, b: Floats) -> Any:
    return angle(np.atleast_2d(a), np.atleast_2d(b)) < _TOUCH
