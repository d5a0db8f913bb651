"""Map layers for boundaries and campaigns: the lines, where flights crossed, the landing scatter.

Items for ``gsDraw`` (:mod:`.map_script`), like the flight layers of :mod:`.map_html`.
Boundaries are drawn as the great-circle arcs the crossings are computed on: segments longer
than :data:`DENSIFY_M` get points in between, so a long border looks on the (Mercator) map as
it is treated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from groundstation.export.model import FlightExport
from groundstation.flight import TrackPoint, ground_distance_m
from groundstation.flight.boundary import Boundary, Crossing
from groundstation.flight.campaign import BoundaryResult, Scatter, boundary_result

Item = dict[str, object]
Hidden = Callable[[float, float], bool]

DENSIFY_M = 20_000.0
BOUNDARY_COLOUR = "#6a1b9a"
CROSSING_COLOUR = "#6a1b9a"


def _when(point: TrackPoint | Crossing) -> str:
    return f"{point.time:%Y-%m-%d %H:%M:%S}Z"


def _great_circle(a: tuple[float, float], b: tuple[float, float]) -> list[list[float]]:
    """Points along the great circle from ``a`` to ``b`` (both included), ``DENSIFY_M`` apart."""
    distance = ground_distance_m(a[0], a[1], b[0], b[1])
    steps = max(1, math.ceil(distance / DENSIFY_M))
    if steps == 1:
        return [[a[0], a[1]], [b[0], b[1]]]

    def unit(lat: float, lon: float) -> tuple[float, float, float]:
        p, q = math.radians(lat), math.radians(lon)
        return math.cos(p) * math.cos(q), math.cos(p) * math.sin(q), math.sin(p)

    u, v = unit(*a), unit(*b)
    omega = math.acos(max(-1.0, min(1.0, sum(x * y for x, y in zip(u, v, strict=True)))))
    points = []
    previous_lon = a[1]
    for k in range(steps + 1):
        t = k / steps
        if omega < 1e-12:
            w = u
        else:
            s0 = math.sin((1 - t) * omega) / math.sin(omega)
            s1 = math.sin(t * omega) / math.sin(omega)
            w = tuple(s0 * x + s1 * y for x, y in zip(u, v, strict=True))  # type: ignore[assignment]
        lat = math.degrees(math.atan2(w[2], math.hypot(w[0], w[1])))
        lon = math.degrees(math.atan2(w[1], w[0]))
        # Keep longitudes continuous across the antimeridian, as Leaflet draws them.
        lon += 360.0 * round((previous_lon - lon) / 360.0)
        previous_lon = lon
        points.append([round(lat, 6), round(lon, 6)])
    return points


def densified(part: Sequence[tuple[float, float]]) -> list[list[float]]:
    """A boundary part's vertices with great-circle points between them."""
    points: list[list[float]] = []
    for a, b in zip(part, part[1:], strict=False):
        arc = _great_circle(a, b)
        if points:
            shift = 360.0 * round((points[-1][1] - arc[0][1]) / 360.0)
            arc = [[lat, lon + shift] for lat, lon in arc]
        points.extend(arc if not points else arc[1:])
    if len(part) == 1:
        points = [[part[0][0], part[0][1]]]
    return points


def boundary_items(boundaries: Sequence[Boundary]) -> list[Item]:
    """Each boundary's lines (or polygon rings), dashed, with its name as the tooltip."""
    items: list[Item] = []
    for boundary in boundaries:
        for part in boundary.parts:
            items.append(
                {
                    "kind": "line",
                    "points": densified(part),
                    "style": {
                        "color": BOUNDARY_COLOUR,
                        "weight": 3,
                        "opacity": 0.85,
                        "dashArray": "10 6",
                        "className": "gs-boundary",
                    },
                    "tooltip": f"Boundary: {boundary.name}",
                    "popup": {
                        "title": f"Boundary: {boundary.name}",
                        "rows": [["Kind", boundary.kind], ["Vertices", str(len(part))]],
                    },
                }
            )
    return items


def _crossing_item(label: str, crossing: Crossing) -> Item:
    alt = (
        "-" if crossing.alt_m is None or math.isnan(crossing.alt_m) else f"{crossing.alt_m:,.0f} m"
    )
    return {
        "kind": "circle",
        "at": [crossing.lat, crossing.lon],
        "style": {
            "radius": 5,
            "color": "#fff",
            "weight": 2,
            "fillColor": CROSSING_COLOUR,
            "fillOpacity": 1.0,
            "className": "gs-crossing",
        },
        "tooltip": f"{label} crossed {crossing.boundary}",
        "popup": {
            "title": f"{label} crossed {crossing.boundary}",
            "rows": [
                ["Time", _when(crossing)],
                ["Altitude", alt],
                ["Position", f"{crossing.lat:.5f}, {crossing.lon:.5f}"],
                ["Direction", crossing.direction],
            ],
        },
    }


def crossing_items(
    export: FlightExport,
    results: Sequence[BoundaryResult] | None,
    boundaries: Sequence[Boundary],
    hidden: Hidden | None = None,
) -> list[Item]:
    """A marker at each crossing of the flight's track with each boundary."""
    if results is None:
        results = [boundary_result(export.flight, b) for b in boundaries]
    items = []
    for result in results:
        for crossing in result.crossings:
            if hidden is None or not hidden(crossing.lat, crossing.lon):
                items.append(_crossing_item(export.label, crossing))
    return items


def scatter_items(scatter: Scatter, hidden: Hidden | None = None) -> list[Item]:
    """The landings' centre, and a circle of their RMS distance from it."""
    if hidden is not None and hidden(scatter.centre_lat, scatter.centre_lon):
        return []
    rows = [
        ["Landings", str(scatter.count)],
        ["Centre", f"{scatter.centre_lat:.5f}, {scatter.centre_lon:.5f}"],
        ["Spread (RMS)", f"{scatter.spread_m / 1000:,.1f} km"],
        ["Farthest", f"{scatter.farthest_tracker}, {scatter.farthest_m / 1000:,.1f} km"],
    ]
    centre = [scatter.centre_lat, scatter.centre_lon]
    return [
        {
            "kind": "area",
            "at": centre,
            "radius": scatter.spread_m,
            "style": {
                "color": "#1565c0",
                "weight": 2,
                "fillOpacity": 0.08,
                "dashArray": "3 5",
                "className": "gs-scatter",
            },
            "tooltip": "Landing scatter (RMS distance from the centre)",
        },
        {
            "kind": "circle",
            "at": centre,
            "style": {
                "radius": 6,
                "color": "#1565c0",
                "weight": 3,
                "fillColor": "#fff",
                "fillOpacity": 1.0,
                "className": "gs-scatter-centre",
            },
            "tooltip": "Centre of the landings",
            "popup": {"title": "Landing scatter", "rows": rows},
        },
    ]
