"""Geometry on the WGS84 earth: distances, bearings, local offsets and antenna look angles.

Two models are used, each where it is good enough:

- Ground distances and bearings use a sphere of the mean earth radius (haversine). Against the
  WGS84 ellipsoid this is off by at most ~0.5 %, far below what matters for a balloon's ground
  track or a chase car's range.
- Look angles from a station to a target (slant range, elevation) go through earth-centred
  earth-fixed (ECEF) coordinates on the WGS84 ellipsoid and a local east-north-up (ENU) frame at
  the station, so the earth's curvature is accounted for: a balloon 30 km up and 100 km away is
  about 16.2 degrees high, not the 16.7 degrees a flat earth would give.

For small-scale work (winds, smoothing over a minute of fixes) :func:`local_offset_m` and
:func:`offset_position` convert between latitude/longitude and metres east/north using the
ellipsoid's radii of curvature at the reference point.

Angles are degrees, distances metres, altitudes metres above the ellipsoid (GPS altitude above
mean sea level differs by the geoid height, up to ~100 m; it does not matter here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WGS84_A = 6_378_137.0  # semi-major axis, m
WGS84_F = 1.0 / 298.257223563  # flattening
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)  # first eccentricity squared
MEAN_EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius (2a + b) / 3


@dataclass(frozen=True, slots=True)
class Enu:
    """An offset in a local east-north-up frame, metres."""

    east_m: float
    north_m: float
    up_m: float


@dataclass(frozen=True, slots=True)
class LookAngles:
    """Where an antenna at a station must point to see a target.

    ``azimuth_deg`` is clockwise from true north (0 north, 90 east), in [0, 360).
    ``elevation_deg`` is above the station's local horizontal plane (negative below it).
    ``slant_range_m`` is the straight-line distance, ``ground_range_m`` the great-circle distance
    between the points on the ground below station and target.
    """

    azimuth_deg: float
    elevation_deg: float
    slant_range_m: float
    ground_range_m: float


def normalize_lon(lon: float) -> float:
    """A longitude folded into [-180, 180)."""
    return (lon + 180.0) % 360.0 - 180.0


def ground_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on the mean-radius sphere (haversine), in metres."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2.0) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2.0) ** 2
    return 2.0 * MEAN_EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def initial_bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The direction to set off in from point 1 to reach point 2 on a great circle, [0, 360)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def destination(
    lat: float, lon: float, bearing_deg: float, distance_m: float
) -> tuple[float, float]:
    """The point reached by going ``distance_m`` along a great circle from a start and bearing."""
    p1 = math.radians(lat)
    l1 = math.radians(lon)
    theta = math.radians(bearing_deg)
    delta = distance_m / MEAN_EARTH_RADIUS_M
    sin_p2 = math.sin(p1) * math.cos(delta) + math.cos(p1) * math.sin(delta) * math.cos(theta)
    p2 = math.asin(max(-1.0, min(1.0, sin_p2)))
    l2 = l1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(p1),
        math.cos(delta) - math.sin(p1) * sin_p2,
    )
    return math.degrees(p2), normalize_lon(math.degrees(l2))


def to_ecef(lat: float, lon: float, alt_m: float) -> tuple[float, float, float]:
    """Geodetic WGS84 coordinates to earth-centred earth-fixed x, y, z in metres."""
    p = math.radians(lat)
    lam = math.radians(lon)
    sin_p = math.sin(p)
    n = WGS84_A / math.sqrt(1.0 - WGS84_E2 * sin_p * sin_p)
    x = (n + alt_m) * math.cos(p) * math.cos(lam)
    y = (n + alt_m) * math.cos(p) * math.sin(lam)
    z = (n * (1.0 - WGS84_E2) + alt_m) * sin_p
    return x, y, z


def enu_offset(
    lat0: float, lon0: float, alt0_m: float, lat: float, lon: float, alt_m: float
) -> Enu:
    """Where a point lies in the east-north-up frame of a reference point (exact, via ECEF)."""
    x0, y0, z0 = to_ecef(lat0, lon0, alt0_m)
    x1, y1, z1 = to_ecef(lat, lon, alt_m)
    dx, dy, dz = x1 - x0, y1 - y0, z1 - z0
    p = math.radians(lat0)
    lam = math.radians(lon0)
    sp, cp = math.sin(p), math.cos(p)
    sl, cl = math.sin(lam), math.cos(lam)
    east = -sl * dx + cl * dy
    north = -sp * cl * dx - sp * sl * dy + cp * dz
    up = cp * cl * dx + cp * sl * dy + sp * dz
    return Enu(east, north, up)


def look_angles(
    station_lat: float,
    station_lon: float,
    station_alt_m: float,
    lat: float,
    lon: float,
    alt_m: float,
) -> LookAngles:
    """Azimuth, elevation and ranges from a station to a target, on the WGS84 ellipsoid."""
    enu = enu_offset(station_lat, station_lon, station_alt_m, lat, lon, alt_m)
    horizontal = math.hypot(enu.east_m, enu.north_m)
    slant = math.sqrt(horizontal * horizontal + enu.up_m * enu.up_m)
    azimuth = math.degrees(math.atan2(enu.east_m, enu.north_m)) % 360.0 if horizontal > 0 else 0.0
    elevation = math.degrees(math.atan2(enu.up_m, horizontal)) if slant > 0 else 0.0
    return LookAngles(
        azimuth_deg=azimuth,
        elevation_deg=elevation,
        slant_range_m=slant,
        ground_range_m=ground_distance_m(station_lat, station_lon, lat, lon),
    )


def _radii_m(lat: float) -> tuple[float, float]:
    """Meridian and prime-vertical radii of curvature of WGS84 at a latitude."""
    s = math.sin(math.radians(lat))
    w = math.sqrt(1.0 - WGS84_E2 * s * s)
    meridian = WGS84_A * (1.0 - WGS84_E2) / (w * w * w)
    prime_vertical = WGS84_A / w
    return meridian, prime_vertical


def local_offset_m(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    """Metres (east, north) of a point from a nearby reference point.

    A tangent-plane approximation: accurate to well under 0.1 % within tens of kilometres, away
    from the poles. Longitude differences across the antimeridian are handled.
    """
    meridian, prime_vertical = _radii_m(lat0)
    dlat = math.radians(lat - lat0)
    dlon = math.radians(normalize_lon(lon - lon0))
    return dlon * prime_vertical * math.cos(math.radians(lat0)), dlat * meridian


def offset_position(lat0: float, lon0: float, east_m: float, north_m: float) -> tuple[float, float]:
    """The point ``east_m``/``north_m`` metres from a reference point (inverse of the above)."""
    meridian, prime_vertical = _radii_m(lat0)
    lat = lat0 + math.degrees(north_m / meridian)
    cos_lat = max(math.cos(math.radians(lat0)), 1e-9)
    lon = lon0 + math.degrees(east_m / (prime_vertical * cos_lat))
    return lat, normalize_lon(lon)
