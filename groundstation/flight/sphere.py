"""Great-circle arcs as unit vectors: the geometry under :mod:`.boundary`.

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

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from groundstation.flight.geo import MEAN_EARTH_RADIUS_M

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

EARTH_RADIUS_M = MEAN_EARTH_RADIUS_M


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
