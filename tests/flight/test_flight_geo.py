"""Geometry: distances, bearings, destination points and antenna look angles."""

from __future__ import annotations

import math

import pytest

from groundstation.flight.geo import (
    WGS84_A,
    destination,
    enu_offset,
    ground_distance_m,
    initial_bearing_deg,
    local_offset_m,
    look_angles,
    offset_position,
    to_ecef,
)

LONDON = (51.5074, -0.1278)
PARIS = (48.8566, 2.3522)
JFK = (40.6413, -73.7781)
HEATHROW = (51.4700, -0.4543)


def _angle_between(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def test_london_to_paris_range_and_bearing() -> None:
    assert ground_distance_m(*LONDON, *PARIS) == pytest.approx(343_500, rel=0.005)
    assert initial_bearing_deg(*LONDON, *PARIS) == pytest.approx(148.1, abs=0.5)


def test_transatlantic_range_and_bearing() -> None:
    assert ground_distance_m(*JFK, *HEATHROW) == pytest.approx(5_540_000, rel=0.005)
    assert initial_bearing_deg(*JFK, *HEATHROW) == pytest.approx(51.3, abs=0.5)
    # the great circle back does not leave on the reciprocal bearing
    assert initial_bearing_deg(*HEATHROW, *JFK) == pytest.approx(288.1, abs=0.5)


def test_quarter_of_the_equator() -> None:
    assert ground_distance_m(0, 0, 0, 90) == pytest.approx(math.pi / 2 * 6_371_008.8)
    assert initial_bearing_deg(0, 0, 0, 90) == pytest.approx(90)
    assert initial_bearing_deg(0, 0, 10, 0) == pytest.approx(0)


@pytest.mark.parametrize("bearing", [0.0, 45.0, 90.0, 200.0, 315.0])
def test_destination_goes_where_it_says(bearing: float) -> None:
    lat, lon = destination(52.2, 0.1, bearing, 80_000)
    assert ground_distance_m(52.2, 0.1, lat, lon) == pytest.approx(80_000, rel=1e-9)
    assert _angle_between(initial_bearing_deg(52.2, 0.1, lat, lon), bearing) < 1e-6


def test_destination_across_the_antimeridian() -> None:
    lat, lon = destination(0.0, 179.9, 90.0, 50_000)
    assert -180 <= lon < 0
    assert ground_distance_m(0.0, 179.9, lat, lon) == pytest.approx(50_000, rel=1e-9)


def test_ecef_on_the_ellipsoid() -> None:
    assert to_ecef(0, 0, 0) == pytest.approx((WGS84_A, 0, 0))
    x, y, z = to_ecef(90, 0, 0)
    assert z == pytest.approx(6_356_752.314, abs=0.01)
    assert x == pytest.approx(0, abs=1e-6)


def test_balloon_30_km_up_100_km_away() -> None:
    lat, lon = destination(52.0, 0.0, 0.0, 100_000)
    look = look_angles(52.0, 0.0, 0.0, lat, lon, 30_000)
    flat = math.degrees(math.atan2(30_000, 100_000))  # 16.7 degrees
    # the earth curves away below the line of sight: about half a degree lower
    assert 15.5 < look.elevation_deg < flat - 0.3
    assert look.elevation_deg == pytest.approx(16.2, abs=0.15)
    assert _angle_between(look.azimuth_deg, 0.0) < 0.01
    assert look.ground_range_m == pytest.approx(100_000, rel=1e-9)
    assert look.slant_range_m == pytest.approx(103_800, rel=0.01)


def test_azimuth_east_and_south_west() -> None:
    lat, lon = destination(52.0, 0.0, 90.0, 20_000)
    assert look_angles(52.0, 0.0, 0.0, lat, lon, 1000).azimuth_deg == pytest.approx(90, abs=0.1)
    lat, lon = destination(52.0, 0.0, 225.0, 20_000)
    assert look_angles(52.0, 0.0, 0.0, lat, lon, 1000).azimuth_deg == pytest.approx(225, abs=0.1)


def test_overhead_and_below_the_horizon() -> None:
    assert look_angles(52.0, 1.0, 10.0, 52.0, 1.0, 25_000).elevation_deg == pytest.approx(90)
    lat, lon = destination(52.0, 0.0, 0.0, 200_000)
    # a tracker lying on the ground 200 km away is below the station's horizon
    assert look_angles(52.0, 0.0, 0.0, lat, lon, 0.0).elevation_deg < -0.5


def test_local_offsets_match_the_exact_frame() -> None:
    lat, lon = offset_position(52.2, 0.1, 1_500.0, -2_500.0)
    east, north = local_offset_m(52.2, 0.1, lat, lon)
    assert (east, north) == pytest.approx((1_500.0, -2_500.0), abs=1e-6)
    enu = enu_offset(52.2, 0.1, 0.0, lat, lon, 0.0)
    assert enu.east_m == pytest.approx(1_500.0, abs=1.0)
    assert enu.north_m == pytest.approx(-2_500.0, abs=1.0)
    assert ground_distance_m(52.2, 0.1, lat, lon) == pytest.approx(
        math.hypot(1500, 2500), rel=0.005
    )


def test_local_offset_across_the_antimeridian() -> None:
    east, north = local_offset_m(0.0, 179.999, 0.0, -179.999)
    assert east == pytest.approx(222.6, abs=0.5)
    assert north == 0
