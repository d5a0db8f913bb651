"""Boundary crossings of live tracks, cheap enough for the UI thread (no Textual here).

:class:`~groundstation.flight.boundary.CrossingWatch` takes about a millisecond and a half per
fix (numpy on one-row arrays), which a fleet of 100 trackers cannot afford on every fix in the
thread that draws the screen. :class:`GatedWatch` feeds it only the fixes that matter and finds
the same crossings:

When a fix is fed, its distance ``D`` to the boundary is measured; every later fix within
``D - 1 m`` of that fix (a great-circle distance, microseconds to compute) lies in a spherical
cap that does not reach the boundary, and so does every arc between two such fixes: no crossing
can happen there, and those fixes are held back. The first fix outside the cap is fed together
with the last one held back (the arc between them is the one that may cross), and the cap is
measured again around it. Far from the line a balloon flies for minutes between two feeds; near
it, every fix is fed.
"""

from __future__ import annotations

from collections.abc import Sequence

from groundstation.flight import ground_distance_m
from groundstation.flight.boundary import (
    Boundary,
    Crossing,
    CrossingWatch,
    distance_m,
    side_of,
)
from groundstation.models import Fix

MARGIN_M = 1.0
"""Fixes are held back only while they stay this much closer to the cap's centre than ``D``."""


class GatedWatch:
    """The crossings of one boundary by one tracker, fed fix by fix in time order."""

    def __init__(self, boundary: Boundary) -> None:
        self.boundary = boundary
        self._watch = CrossingWatch(boundary)
        self._centre: Fix | None = None
        self._radius_m = 0.0
        self._held: Fix | None = None
        self.fed = 0
        """Fixes actually given to the crossing watch (a measure of the work saved)."""

    def feed(self, fix: Fix) -> list[Crossing]:
        centre = self._centre
        if centre is not None:
            d = ground_distance_m(centre.lat, centre.lon, fix.lat, fix.lon)
            if d < self._radius_m - MARGIN_M:
                self._held = fix
                return []
        found: list[Crossing] = []
        held, self._held = self._held, None
        if held is not None:
            found += self._feed(held)
        found += self._feed(fix)
        self._centre = fix
        self._radius_m = distance_m(self.boundary, fix.lat, fix.lon)
        return found

    def _feed(self, fix: Fix) -> list[Crossing]:
        self.fed += 1
        return self._watch.feed(fix.time, fix.lat, fix.lon, fix.alt_m)


def _km(metres: float) -> str:
    return f"{metres:,.0f} m" if metres < 1000 else f"{metres / 1000:,.1f} km"


class Whereabouts:
    """Where a tracker is, or landed, or is predicted to land, against each boundary: one
    line per boundary for the detail pane, e.g. "Border: 2.9 km left, lands right, crossed 1x"
    or "Zone: landed 850 m inside". Side and distance are remembered per position
    (they take a millisecond each and the pane is redrawn several times a second)."""

    def __init__(self, boundaries: Sequence[Boundary]) -> None:
        self.boundaries = tuple(boundaries)
        self._known: dict[tuple[int, float, float], tuple[str, float]] = {}

    def _measure(self, i: int, lat: float, lon: float) -> tuple[str, float]:
        key = (i, lat, lon)
        found = self._known.get(key)
        if found is None:
            if len(self._known) > 512:
                self._known.clear()
            b = self.boundaries[i]
            found = self._known[key] = (side_of(b, lat, lon), distance_m(b, lat, lon))
        return found

    def lines(
        self,
        crossings: Sequence[Crossing],
        here: tuple[float, float] | None,
        landed: tuple[float, float] | None,
        predicted: tuple[float, float] | None,
    ) -> list[str]:
        """``landed`` (the landing point) wins over ``here`` (the last fix); ``predicted`` is
        the predicted landing point while in flight."""
        out = []
        for i, b in enumerate(self.boundaries):
            n = sum(1 for c in crossings if c.boundary == b.name)
            crossed = f", crossed {n}x" if n else ""
            if landed is not None:
                side, d = self._measure(i, *landed)
                out.append(f"{b.name}: landed {_km(d)} {side}{crossed}")
            elif here is not None:
                side, d = self._measure(i, *here)
                aim = f", lands {self._measure(i, *predicted)[0]}" if predicted else ""
                out.append(f"{b.name}: {_km(d)} {side}{aim}{crossed}")
        return out
