"""Boundaries: reading GeoJSON, sides, distances and crossings on great circles."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundstation.flight.boundary import (
    Boundary,
    BoundaryError,
    Crossing,
    CrossingWatch,
    crossings,
    distance_m,
    load_boundaries,
    load_boundary_files,
    side_of,
)
from groundstation.flight.flights import TrackPoint
from groundstation.flight.geo import ground_distance_m

T0 = datetime(2024, 6, 1, 10, 0, tzinfo=UTC)
R = 6_371_008.8
EQUATOR = Boundary("equator", "line", (((0.0, -1.0), (0.0, 1.0)),))  # drawn eastward


def track(*points: tuple[float, float, float], step_s: float = 10.0) -> list[TrackPoint]:
    """Fixes ``step_s`` apart from T0, given as (lat, lon, alt)."""
    return [
        TrackPoint(T0 + timedelta(seconds=i * step_s), lat, lon, alt)
        for i, (lat, lon, alt) in enumerate(points)
    ]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fed(boundary: Boundary, points: list[TrackPoint]) -> list[Crossing]:
    watch = CrossingWatch(boundary)
    found: list[Crossing] = []
    for p in points:
        found.extend(watch.feed(p.time, p.lat, p.lon, p.alt_m))
    return found


def same_live(boundary: Boundary, points: list[TrackPoint], found: list[Crossing]) -> bool:
    """The live watch finds the same crossings, but waits with one at the latest fix."""
    live = fed(boundary, points)
    if live == found:
        return True
    last = found[-1]
    end = points[-1]
    return live == found[:-1] and ground_distance_m(last.lat, last.lon, end.lat, end.lon) < 0.05


# -- hand-computed cases -----------------------------------------------------------------------


def test_side_and_distance_of_the_equator() -> None:
    assert side_of(EQUATOR, 0.5, 0.0) == "left"  # north of an eastward line
    assert side_of(EQUATOR, -0.5, 0.3) == "right"
    assert distance_m(EQUATOR, 1.0, 0.0) == pytest.approx(R * math.pi / 180, rel=1e-9)
    # beyond the end: the distance is to the end vertex
    assert distance_m(EQUATOR, 0.0, 2.0) == pytest.approx(R * math.pi / 180, rel=1e-9)


def test_one_crossing_with_interpolated_time_and_altitude() -> None:
    # northward along the meridian 0.5 E: the line is met a quarter of the way between fixes
    points = track((-0.001, 0.5, 1000.0), (0.003, 0.5, 2000.0))
    [c] = crossings(EQUATOR, points)
    assert c.time == at(2.5)
    assert c.lat == pytest.approx(0.0, abs=1e-8)
    assert c.lon == pytest.approx(0.5, abs=1e-8)
    assert c.alt_m == pytest.approx(1250.0, abs=0.01)
    assert (c.from_side, c.to_side, c.direction) == ("right", "left", "right to left")
    assert c.boundary == "equator"


def test_several_crossings_each_once_with_exact_times() -> None:
    lon = 0.25
    lats = [
        -0.002,  # 0 s
        0.0,  # 10 s: exactly on the line, going north: one crossing here
        0.002,  # 20 s
        -0.002,  # 30 s: crossed south at 25 s
        0.0,  # 40 s: touches the line from the south ...
        -0.001,  # 50 s: ... and turns back: no crossing
        0.0,  # 60 s: reaches the line again, runs along it ...
        0.0,  # 70 s
        0.004,  # 80 s: ... and leaves it northward: one crossing, at 60 s or 70 s
        0.001,  # 90 s: touching from the north and back is no crossing either
        0.0,  # 100 s
        0.003,  # 110 s
        -0.001,  # 120 s: crossed south at 117.5 s
    ]
    points = track(*((lat, lon, 0.0) for lat in lats))
    found = crossings(EQUATOR, points)
    assert [(c.time, c.direction) for c in found] == [
        (at(10), "right to left"),
        (at(25), "left to right"),
        (at(60), "right to left"),  # a track along a line is on its north-east (nudged) side
        (at(117.5), "left to right"),
    ]
    assert fed(EQUATOR, points) == found


def test_touching_from_either_side_is_not_a_crossing() -> None:
    for sign in (1.0, -1.0):
        points = track((sign * 0.01, 0.0, 0.0), (0.0, 0.0, 0.0), (sign * 0.01, 0.01, 0.0))
        assert crossings(EQUATOR, points) == []
        assert fed(EQUATOR, points) == []


def test_passing_through_a_vertex_counts_once_and_grazing_one_not_at_all() -> None:
    # a line that turns left at (0, 0): east along the equator, then north along the meridian
    corner = Boundary("corner", "line", (((0.0, -1.0), (0.0, 0.0), (1.0, 0.0)),))
    assert side_of(corner, 0.5, -0.5) == "left"  # inside the bend
    assert side_of(corner, -0.5, 0.5) == "right"
    assert side_of(corner, 0.5, 0.5) == "right"
    through = track((0.5, -0.5, 0.0), (0.0, 0.0, 0.0), (-0.5, 0.5, 0.0))
    assert [(c.time, c.direction) for c in crossings(corner, through)] == [
        (at(10), "left to right")
    ]
    grazing = track((0.5, 0.5, 0.0), (0.0, 0.0, 0.0), (-0.5, -0.5, 0.0))  # right to right
    assert crossings(corner, grazing) == []


def test_a_long_line_is_a_great_circle_not_a_straight_line_in_degrees() -> None:
    # 715 km along the 50th parallel as drawn, but the edge is the great circle, which bulges
    # north: at 5 E it runs at atan(tan 50 / cos 5) = 50.1018 N, 11 km north of the parallel
    border = Boundary("border", "line", (((50.0, 0.0), (50.0, 10.0)),))
    bulge = math.degrees(math.atan(math.tan(math.radians(50)) / math.cos(math.radians(5))))
    assert (bulge - 50.0) * 111_195 > 10_000
    assert side_of(border, 50.05, 5.0) == "right"  # north of the parallel, south of the edge
    assert distance_m(border, 50.0, 5.0) == pytest.approx((bulge - 50.0) * R * math.pi / 180)
    points = track((49.9, 5.0, 0.0), (50.3, 5.0, 0.0), step_s=400)
    [c] = crossings(border, points)
    assert c.lat == pytest.approx(bulge, abs=1e-7)
    assert c.time == at(round((bulge - 49.9) / 0.4 * 400, 3))
    assert c.direction == "right to left"


def test_a_line_across_the_antimeridian() -> None:
    dateline = Boundary("dateline", "line", (((10.0, 179.0), (10.0, -179.0)),))
    assert side_of(dateline, 12.0, 180.0) == "left"
    assert side_of(dateline, 8.0, -179.5) == "right"
    middle = math.degrees(math.atan(math.tan(math.radians(10)) / math.cos(math.radians(1))))
    assert distance_m(dateline, 11.0, 180.0) == pytest.approx((11 - middle) * R * math.pi / 180)
    points = track((9.0, 179.9, 0.0), (11.0, -179.9, 0.0))
    [c] = crossings(dateline, points)
    assert c.lat == pytest.approx(middle, abs=1e-4)  # the track crosses near 180, mid-line
    assert abs(c.lon) == pytest.approx(180.0, abs=0.001)
    # the same track far from the line, on the other side of the earth: no crossing
    assert crossings(dateline, track((9.0, -0.1, 0.0), (11.0, 0.1, 0.0))) == []


def test_a_polygon_with_a_hole() -> None:
    square = ((0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0))
    hole = ((0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6), (0.4, 0.4))
    area = Boundary("area", "polygon", (square, hole))
    assert side_of(area, 0.2, 0.5) == "inside"
    assert side_of(area, 0.5, 0.5) == "outside"
    assert side_of(area, 2.0, 2.0) == "outside"
    assert side_of(area, -80.0, 0.5) == "outside"  # behind the projection's horizon
    assert distance_m(area, 0.5, 0.5) == pytest.approx(0.1 * R * math.pi / 180, rel=1e-4)
    eastward = track(*((0.5, -0.5 + 0.1 * i, 0.0) for i in range(21)), step_s=1)
    found = crossings(area, eastward)
    assert [(c.time, c.direction) for c in found] == [
        (at(5), "into"),
        (at(9), "out of"),
        (at(11), "into"),
        (at(15), "out of"),
    ]
    assert fed(area, eastward) == found


# -- properties --------------------------------------------------------------------------------

_lons = np.linspace(-20.0, 20.0, 9)


@st.composite
def wiggly_line_and_track(draw: st.DrawFn) -> tuple[Boundary, list[TrackPoint]]:
    lats = draw(st.lists(st.floats(-2, 2), min_size=len(_lons), max_size=len(_lons)))
    vertices = tuple(zip(lats, _lons.tolist(), strict=True))
    boundary = Boundary("wiggle", "line", (vertices,))
    free = st.tuples(st.floats(-4, 4), st.floats(-5, 5))
    on_vertex = st.sampled_from([v for v in vertices if -5 <= v[1] <= 5])
    pairs = zip(vertices[3:5], vertices[4:6], strict=True)
    halfway = st.sampled_from([((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in pairs])
    places = draw(st.lists(st.one_of(free, on_vertex, halfway), min_size=2, max_size=30))
    return boundary, track(*((lat, lon, 100.0) for lat, lon in places))


@settings(max_examples=200, deadline=None)
@given(wiggly_line_and_track())
def test_crossings_of_a_line_change_the_side(case: tuple[Boundary, list[TrackPoint]]) -> None:
    boundary, points = case
    found = crossings(boundary, points)
    start = side_of(boundary, points[0].lat, points[0].lon)
    end = side_of(boundary, points[-1].lat, points[-1].lon)
    assert len(found) % 2 == (start != end)
    for before, after in zip(found, found[1:], strict=False):
        assert before.to_side == after.from_side
        assert before.time <= after.time
    if found:
        assert found[0].from_side == start
        assert found[-1].to_side == end
    assert same_live(boundary, points, found)


@st.composite
def polygon_and_track(draw: st.DrawFn) -> tuple[Boundary, list[TrackPoint]]:
    count = draw(st.integers(3, 9))
    radii = draw(st.lists(st.floats(0.5, 3), min_size=count, max_size=count))
    ring = [
        (r * math.sin(2 * math.pi * k / count), r * math.cos(2 * math.pi * k / count))
        for k, r in enumerate(radii)
    ]
    boundary = Boundary("star", "polygon", ((*ring, ring[0]),))
    free = st.tuples(st.floats(-4, 4), st.floats(-4, 4))
    places = draw(st.lists(st.one_of(free, st.sampled_from(ring)), min_size=2, max_size=30))
    return boundary, track(*((lat, lon, 100.0) for lat, lon in places))


@settings(max_examples=200, deadline=None)
@given(polygon_and_track())
def test_crossings_of_an_area_change_the_side(case: tuple[Boundary, list[TrackPoint]]) -> None:
    boundary, points = case
    found = crossings(boundary, points)
    start = side_of(boundary, points[0].lat, points[0].lon)
    end = side_of(boundary, points[-1].lat, points[-1].lon)
    assert len(found) % 2 == (start != end)
    if found:
        assert found[0].from_side == start
        assert found[-1].to_side == end
    assert same_live(boundary, points, found)


def test_a_long_track_and_a_detailed_line_are_quick() -> None:
    lons = np.linspace(0.0, 5.0, 3000)
    wiggle = (0.05 * np.sin(lons * 20)).tolist()
    line = Boundary("coast", "line", (tuple(zip(wiggle, lons.tolist(), strict=True)),))
    steps = np.linspace(0.5, 4.5, 100_000)
    lats = 0.3 * np.sin(steps * 37)
    points = [
        TrackPoint(at(i), float(a), float(o), 1000.0)
        for i, (a, o) in enumerate(zip(lats, steps, strict=True))
    ]
    started = time.perf_counter()
    found = crossings(line, points)
    assert time.perf_counter() - started < 5.0
    start = side_of(line, points[0].lat, points[0].lon)
    end = side_of(line, points[-1].lat, points[-1].lon)
    assert len(found) > 40
    assert len(found) % 2 == (start != end)


# -- files -------------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_reading_a_feature_collection(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "night.geojson",
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "border"},
                    "geometry": {"type": "LineString", "coordinates": [[1, 50], [2, 51, 100]]},
                },
                {
                    "type": "Feature",
                    "properties": None,
                    "geometry": {
                        "type": "MultiPolygon",
                        "coordinates": [
                            [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                            [
                                [[5, 5], [6, 5], [6, 6], [5, 5]],
                                [[5.2, 5.1], [5.8, 5.1], [5.8, 5.7]],
                            ],
                        ],
                    },
                },
            ],
        },
    )
    border, zone = load_boundaries(path)
    assert border == Boundary("border", "line", (((50.0, 1.0), (51.0, 2.0)),))
    assert zone.name == "night 2" and zone.kind == "polygon" and len(zone.parts) == 3
    assert zone.parts[2] == ((5.1, 5.2), (5.1, 5.8), (5.7, 5.8), (5.1, 5.2))  # closed for us
    bare = write(tmp_path, "coast.json", {"type": "LineString", "coordinates": [[0, 0], [1, 1]]})
    assert [b.name for b in load_boundary_files([path, bare])] == ["border", "night 2", "coast 1"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "is not valid JSON"),
        ({"type": "Point", "coordinates": [0, 0]}, "is a Point, but a boundary must be"),
        ({"type": "FeatureCollection", "features": []}, "holds no lines or polygons"),
        ({"type": "LineString", "coordinates": [[0, 95], [1, 1]]}, "outside the earth's ranges"),
        ({"type": "LineString", "coordinates": [[0, 0], [0, 0]]}, "fewer than two different"),
        ({"type": "LineString", "coordinates": [["a", 0], [1, 1]]}, "not [longitude, latitude]"),
        ({"type": "LineString", "coordinates": [[0, 0], [180, 0]]}, "antipodal"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}, "fewer than three"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [120, 0], [-120, 0]]]}, "too large"),
        ({"type": "Feature", "geometry": None}, "has no geometry"),
        ([1, 2, 3], "is not GeoJSON"),
    ],
)
def test_bad_files_give_one_sentence_naming_the_file(
    tmp_path: Path, content: object, words: str
) -> None:
    path = write(tmp_path, "bad.geojson", content)
    with pytest.raises(BoundaryError) as caught:
        load_boundaries(path)
    message = str(caught.value)
    assert words in message
    assert str(path) in message
    assert "\n" not in message and ". " not in message


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BoundaryError, match="does not exist"):
        load_boundaries(tmp_path / "nowhere.geojson")
