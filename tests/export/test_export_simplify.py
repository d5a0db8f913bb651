"""Track simplification: small, fast, and never more than 10 m from a received fix."""

from __future__ import annotations

import math
import random

import pytest
from export_kit import drawn_tracks, emulated, slow_config

from groundstation.export import FlightExport, build_map, predictions_during
from groundstation.export.simplify import rdp_indices, simplify_track
from groundstation.flight import local_offset_m, split_flights


def _distance_to_segment_m(
    lat: float, lon: float, a: tuple[float, float], b: tuple[float, float]
) -> float:
    """Metres from a point to a segment, in a local plane centred on the point (geo.py's
    east/north offsets: an independent check of the Mercator arithmetic in simplify.py)."""
    ax, ay = local_offset_m(lat, lon, *a)
    bx, by = local_offset_m(lat, lon, *b)
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    return math.hypot(ax + t * dx, ay + t * dy)


Points = list[tuple[float, float]]


def max_deviation_m(fixes: Points, lines: list[Points]) -> float:
    """The largest distance from a fix to the line drawn in its place.

    The drawn points are fixes (rounded to 6 decimals), in order: each is found among the
    fixes, and every fix between two of them is measured against the segment joining them.
    """
    drawn = [point for line in lines for point in line]
    anchors: list[int] = []
    i = 0
    for lat, lon in drawn:
        while (round(fixes[i][0], 6), round(fixes[i][1], 6)) != (lat, lon):
            i += 1  # an IndexError here means a drawn point that is no fix
        anchors.append(i)
    assert anchors[0] == 0 and anchors[-1] == len(fixes) - 1
    worst = 0.0
    for k, (a, b) in enumerate(zip(anchors, anchors[1:], strict=False)):
        for j in range(a + 1, b):
            worst = max(worst, _distance_to_segment_m(*fixes[j], drawn[k], drawn[k + 1]))
    return worst


def test_straight_line_keeps_its_ends() -> None:
    lats = [52.0 + i * 1e-4 for i in range(1000)]
    assert simplify_track(lats, [0.1] * 1000, 1.0) == [0, 999]


def test_turning_point_of_a_track_that_doubles_back_is_kept() -> None:
    lats = [52.0 + i * 1e-4 for i in range(50)] + [52.0 + (48 - i) * 1e-4 for i in range(49)]
    kept = simplify_track(lats, [0.1] * len(lats), 5.0)
    assert 49 in kept


def test_random_walk_stays_within_tolerance() -> None:
    rng = random.Random(7)
    lat, lon, lats, lons = 52.0, 0.1, [], []
    for _ in range(20_000):
        lat += rng.gauss(0, 2e-5)
        lon += rng.gauss(0, 3e-5)
        lats.append(lat)
        lons.append(lon)
    kept = simplify_track(lats, lons, 9.0)
    assert kept[0] == 0 and kept[-1] == len(lats) - 1 and len(kept) < len(lats) / 2
    worst = 0.0
    for a, b in zip(kept, kept[1:], strict=False):  # each fix against the segment drawn for it
        ends = (lats[a], lons[a]), (lats[b], lons[b])
        for i in range(a + 1, b):
            worst = max(worst, _distance_to_segment_m(lats[i], lons[i], *ends))
    assert worst <= 9.05


def test_long_input_needs_no_recursion() -> None:
    import numpy as np

    n = 300_000
    x = np.linspace(0, 1000, n)
    y = np.sin(x / 7.0) * 50
    kept = rdp_indices(x, y, 0.5)
    assert kept[0] == 0 and kept[-1] == n - 1 and len(kept) < n / 20


@pytest.mark.slow
def test_100000_fix_flight_exports_small_and_within_10_m() -> None:
    """Size and fidelity bounds; the time bound is measured in benchmarks/map_export.py."""
    fixes, _ = emulated(slow_config(100_000), telemetry=False)
    assert len(fixes) >= 95_000
    flight = split_flights(fixes)[0]
    export = FlightExport("big", flight, predictions=tuple(predictions_during(flight)))
    page = build_map([export], offline=True)
    assert len(page.encode()) < 1_000_000
    lines = drawn_tracks(page)
    assert sum(len(line) for line in lines) < len(flight.fixes) / 50
    received = [(f.lat, f.lon) for f in flight.fixes]
    assert max_deviation_m(received, lines) <= 10.0
