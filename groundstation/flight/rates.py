"""Smoothed rates from a window of fixes: vertical rate, ground velocity, sea-level descent rate.

GPS positions jitter by metres from one fix to the next, so rates taken from two neighbouring
fixes are noisy. Everything here fits a straight line (least squares) to the fixes of a time
window ending at a chosen moment, and reports its slope.

The functions take fixes in any order and look only at those in ``(at - window_s, at]``; ``at``
defaults to the time of the latest fix. They return ``None`` when the window holds fewer than
three usable fixes or spans less than a quarter of the window. Feed them plausible fixes (see
:mod:`groundstation.flight.clean`): a single wild point can drag a least-squares line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from firmware_protocol.atmosphere import sea_level_equivalent_rate
from groundstation.flight.geo import local_offset_m
from groundstation.models import Fix

MIN_POINTS = 3


@dataclass(frozen=True, slots=True)
class GroundVelocity:
    """Horizontal velocity over the ground.

    ``heading_deg`` is the direction of travel clockwise from true north, ``None`` when the
    speed is too small (under 0.1 m/s) for a direction to mean anything.
    """

    east_mps: float
    north_mps: float
    speed_mps: float
    heading_deg: float | None


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    """Least-squares ``(slope, intercept)`` of ``y = slope * x + intercept``.

    ``None`` with fewer than two points or when all ``xs`` are equal.
    """
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mx = sum(xs) / n
    my = sum(ys) / n
    sxx = sum((x - mx) * (x - mx) for x in xs)
    if sxx <= 0.0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    return slope, my - slope * mx


def window_fixes(
    fixes: Iterable[Fix], at: datetime | None, window_s: float, *, need_alt: bool
) -> list[Fix]:
    """The fixes in ``(at - window_s, at]`` in time order (``at`` defaults to the latest)."""
    usable = [f for f in fixes if f.alt_m is not None or not need_alt]
    if not usable:
        return []
    end = at if at is not None else max(f.time for f in usable)
    start = end - timedelta(seconds=window_s)
    chosen = [f for f in usable if start < f.time <= end]
    chosen.sort(key=lambda f: f.time)
    return chosen


def _usable(window: Sequence[Fix], window_s: float) -> bool:
    if len(window) < MIN_POINTS:
        return False
    span = (window[-1].time - window[0].time).total_seconds()
    return span >= window_s / 4.0


def ascent_rate(
    fixes: Iterable[Fix], at: datetime | None = None, window_s: float = 60.0
) -> float | None:
    """Vertical speed in m/s (positive up) over the window, from a straight-line fit."""
    window = window_fixes(fixes, at, window_s, need_alt=True)
    if not _usable(window, window_s):
        return None
    t0 = window[0].time
    xs = [(f.time - t0).total_seconds() for f in window]
    ys = [f.alt_m for f in window if f.alt_m is not None]
    fit = linear_fit(xs, ys)
    return None if fit is None else fit[0]


def mean_altitude(
    fixes: Iterable[Fix], at: datetime | None = None, window_s: float = 60.0
) -> float | None:
    """Mean altitude of the fixes in the window."""
    alts = [
        f.alt_m for f in window_fixes(fixes, at, window_s, need_alt=True) if f.alt_m is not None
    ]
    return math.fsum(alts) / len(alts) if alts else None


def ground_velocity(
    fixes: Iterable[Fix], at: datetime | None = None, window_s: float = 60.0
) -> GroundVelocity | None:
    """Horizontal velocity over the window, from straight-line fits to east and north offsets."""
    window = window_fixes(fixes, at, window_s, need_alt=False)
    if not _usable(window, window_s):
        return None
    ref = window[-1]
    t0 = window[0].time
    xs: list[float] = []
    easts: list[float] = []
    norths: list[float] = []
    for f in window:
        east, north = local_offset_m(ref.lat, ref.lon, f.lat, f.lon)
        xs.append((f.time - t0).total_seconds())
        easts.append(east)
        norths.append(north)
    fit_e = linear_fit(xs, easts)
    fit_n = linear_fit(xs, norths)
    if fit_e is None or fit_n is None:
        return None
    ve, vn = fit_e[0], fit_n[0]
    speed = math.hypot(ve, vn)
    heading = math.degrees(math.atan2(ve, vn)) % 360.0 if speed >= 0.1 else None
    return GroundVelocity(east_mps=ve, north_mps=vn, speed_mps=speed, heading_deg=heading)


def sea_level_descent_rate(
    fixes: Iterable[Fix], at: datetime | None = None, window_s: float = 60.0
) -> float | None:
    """The sea-level-equivalent descent speed (positive, m/s) of the fixes in the window.

    The measured descent speed is scaled by the square root of the air density at the window's
    mean altitude, which is what a parachute's sea-level descent speed would be. ``None`` when
    the window is unusable or the tracker is not descending.
    """
    window = window_fixes(fixes, at, window_s, need_alt=True)
    rate = ascent_rate(window, None, window_s) if window else None
    if rate is None or rate >= 0.0:
        return None
    alt = mean_altitude(window, None, window_s)
    if alt is None:
        return None
    return sea_level_equivalent_rate(alt, -rate)
