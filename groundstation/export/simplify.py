"""Track simplification: Ramer-Douglas-Peucker in metres, as the map will draw the line.

A map draws straight segments in Web Mercator, so the track is simplified there: each point is
projected to spherical Mercator metres, and its distance to a candidate segment is multiplied
by ``cos(latitude)`` (Mercator's local scale), which gives ground metres at that point. Every
dropped point is then within ``tolerance_m`` of the segment drawn in its place.

The algorithm is the classic one without recursion: a stack of index ranges, each searched (with
numpy) for its farthest point. On smooth tracks that costs O(n log n). Pathological input (a
tight spiral) can make Douglas-Peucker quadratic, so long tracks are first cut into pieces of
``chunk`` points whose ends are kept; the worst case is then O(n * chunk).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_378_137.0  # the sphere of Web Mercator
MAX_MERCATOR_LAT = 85.05112878
DEFAULT_CHUNK = 4096

FloatArray = npt.NDArray[np.float64]


def mercator(lats: Sequence[float], lons: Sequence[float]) -> tuple[FloatArray, FloatArray]:
    """Spherical (Web) Mercator x and y in metres at the equator."""
    lat = np.clip(np.asarray(lats, dtype=np.float64), -MAX_MERCATOR_LAT, MAX_MERCATOR_LAT)
    lon = np.asarray(lons, dtype=np.float64)
    x = EARTH_RADIUS_M * np.radians(lon)
    y = EARTH_RADIUS_M * np.log(np.tan(math.pi / 4 + np.radians(lat) / 2))
    return x, y


def rdp_indices(
    x: FloatArray,
    y: FloatArray,
    tolerance: float,
    scale: FloatArray | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> list[int]:
    """Indices of the points kept by Douglas-Peucker, first and last always included.

    A point's distance to the segment between the kept points around it is measured in the
    ``x``/``y`` plane and multiplied by ``scale[i]`` (1 if not given); points within
    ``tolerance`` are dropped. Distances are to the segment, not to the infinite line, so a
    track that doubles back keeps its turning point.
    """
    n = len(x)
    if n <= 2:
        return list(range(n))
    if tolerance < 0:
        raise ValueError("tolerance must not be negative")
    factor = np.ones(n) if scale is None else np.asarray(scale, dtype=np.float64)
    keep = np.zeros(n, dtype=bool)
    bounds = list(range(0, n - 1, max(2, chunk))) + [n - 1]
    keep[bounds] = True
    stack = list(zip(bounds[:-1], bounds[1:], strict=True))
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        inner = slice(first + 1, last)
        distance = _segment_distance(x[inner], y[inner], x[first], y[first], x[last], y[last])
        distance *= factor[inner]
        worst = int(np.argmax(distance))
        if distance[worst] > tolerance:
            split = first + 1 + worst
            keep[split] = True
            stack.append((first, split))
            stack.append((split, last))
    return [int(i) for i in np.flatnonzero(keep)]


def _segment_distance(
    px: FloatArray, py: FloatArray, ax: float, ay: float, bx: float, by: float
) -> FloatArray:
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        return np.hypot(px - ax, py - ay)
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0)
    return np.hypot(px - (ax + t * dx), py - (ay + t * dy))


def simplify_track(lats: Sequence[float], lons: Sequence[float], tolerance_m: float) -> list[int]:
    """Indices of the fixes to draw so that no fix is more than ``tolerance_m`` from the line."""
    x, y = mercator(lats, lons)
    scale = np.cos(np.radians(np.asarray(lats, dtype=np.float64)))
    return rdp_indices(x, y, tolerance_m, scale)


def simplify_xy(
    xs: Sequence[float] | FloatArray, ys: Sequence[float] | FloatArray, tolerance: float
) -> list[int]:
    """Douglas-Peucker on plain plane coordinates (e.g. a chart's pixels)."""
    return rdp_indices(
        np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64), tolerance
    )
