"""Smoothed rates from windows of fixes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from firmware_protocol.atmosphere import descent_rate_at
from groundstation.flight.geo import offset_position
from groundstation.flight.rates import (
    ascent_rate,
    ground_velocity,
    linear_fit,
    sea_level_descent_rate,
)
from groundstation.models import Fix

T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _track(
    seconds: int,
    *,
    climb: float = 0.0,
    east: float = 0.0,
    north: float = 0.0,
    alt0: float = 1000.0,
    noise: float = 3.0,
    seed: int = 3,
) -> list[Fix]:
    rng = random.Random(seed)
    fixes = []
    for t in range(0, seconds, 2):
        lat, lon = offset_position(
            45.0, 7.0, east * t + rng.gauss(0, noise), north * t + rng.gauss(0, noise)
        )
        alt = alt0 + climb * t + rng.gauss(0, noise)
        fixes.append(Fix("T", T0 + timedelta(seconds=t), lat, lon, alt))
    return fixes


def test_linear_fit() -> None:
    assert linear_fit([0, 1, 2], [1, 3, 5]) == pytest.approx((2.0, 1.0))
    assert linear_fit([1, 1, 1], [1, 2, 3]) is None
    assert linear_fit([1], [1]) is None


def test_ascent_rate_smooths_noise() -> None:
    fixes = _track(600, climb=5.0, noise=5.0)
    assert ascent_rate(fixes) == pytest.approx(5.0, abs=0.25)
    # order does not matter, and a window can end earlier
    shuffled = fixes[::-1]
    assert ascent_rate(shuffled) == ascent_rate(fixes)
    assert ascent_rate(fixes, at=T0 + timedelta(seconds=120)) == pytest.approx(5.0, abs=0.3)


def test_too_few_fixes_give_none() -> None:
    fixes = _track(600, climb=5.0)
    assert ascent_rate(fixes[:2]) is None
    assert ascent_rate(fixes, at=T0 - timedelta(hours=1)) is None
    assert ground_velocity(fixes[:2]) is None
    assert sea_level_descent_rate([]) is None


def test_ground_velocity_speed_and_heading() -> None:
    east = ground_velocity(_track(300, east=10.0))
    assert east is not None
    assert east.speed_mps == pytest.approx(10.0, abs=0.3)
    assert east.heading_deg == pytest.approx(90.0, abs=2.0)
    south_west = ground_velocity(_track(300, east=-7.0, north=-7.0), window_s=120)
    assert south_west is not None and south_west.heading_deg == pytest.approx(225.0, abs=2.0)


def test_standing_still_has_no_heading() -> None:
    still = ground_velocity(_track(300, noise=0.0))
    assert still is not None
    assert still.speed_mps == pytest.approx(0.0, abs=1e-6)
    assert still.heading_deg is None


def test_sea_level_equivalent_descent_rate() -> None:
    speed = descent_rate_at(10_000, 5.0)  # about 8.6 m/s
    # the last minute of the track is centred on 10 km
    fixes = _track(300, climb=-speed, alt0=10_000.0 + speed * 269, noise=2.0)
    assert sea_level_descent_rate(fixes, window_s=60) == pytest.approx(5.0, abs=0.15)
    assert sea_level_descent_rate(_track(300, climb=3.0)) is None
