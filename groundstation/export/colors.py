"""Colouring a track by altitude: bands of a round height, each with its own colour.

The scale is shared by every flight in a map, so one legend reads for all of them. A track is
cut into runs of fixes that stay in one band; a run ends when the altitude leaves its band by
more than ``hysteresis_m``, so GPS noise at a band's edge does not chop the line into slivers.
Runs share their end fixes, so the drawn line has no gaps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Low to high: deep blue through teal and yellow to dark red (chosen to stay readable on
# OpenStreetMap's light tiles and to print in grey as a steady lightness ramp).
_ANCHORS = ("#313695", "#2c7fb8", "#1a9e9a", "#66bd63", "#d9c634", "#f08a24", "#d7301f", "#7f0000")
_NICE_STEPS_M = (250.0, 500.0, 1000.0, 2000.0, 2500.0, 5000.0, 10_000.0)
MAX_BANDS = 12

# Colours of the flights themselves (profile chart, predictions), in order.
FLIGHT_COLOURS = ("#1f5fbf", "#c2185b", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _mix(a: str, b: str, t: float) -> str:
    ra, rb = _rgb(a), _rgb(b)
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(ra, rb, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


@dataclass(frozen=True, slots=True)
class AltitudeScale:
    """Bands of ``step_m`` from 0 m: band ``i`` is ``[i * step_m, (i + 1) * step_m)``."""

    step_m: float
    bands: int

    @classmethod
    def for_max(cls, max_alt_m: float) -> AltitudeScale:
        """The smallest round step that covers ``max_alt_m`` in at most ``MAX_BANDS`` bands."""
        top = max(max_alt_m, 1.0)
        for step in _NICE_STEPS_M:
            if math.ceil(top / step) <= MAX_BANDS:
                return cls(step, max(1, math.ceil(top / step)))
        step = _NICE_STEPS_M[-1]
        return cls(step, math.ceil(top / step))

    def band(self, alt_m: float) -> int:
        return min(max(math.floor(alt_m / self.step_m), 0), self.bands - 1)

    def colour(self, band: int) -> str:
        if self.bands == 1:
            return _ANCHORS[0]
        position = band / (self.bands - 1) * (len(_ANCHORS) - 1)
        low = min(int(position), len(_ANCHORS) - 2)
        return _mix(_ANCHORS[low], _ANCHORS[low + 1], position - low)

    def legend(self) -> list[tuple[str, str]]:
        """(colour, label) from the highest band down, e.g. ``("#7f0000", "30-32.5 km")``."""
        rows = []
        for band in reversed(range(self.bands)):
            low, high = band * self.step_m, (band + 1) * self.step_m
            rows.append((self.colour(band), f"{_km(low)}-{_km(high)} km"))
        return rows


def _km(metres: float) -> str:
    return f"{metres / 1000:g}"


def band_runs(
    alts: Sequence[float], scale: AltitudeScale, hysteresis_m: float = 15.0
) -> list[tuple[int, int, int]]:
    """``(first, last, band)`` index runs covering the track; neighbours share an index."""
    if not alts:
        return []
    runs: list[tuple[int, int, int]] = []
    start = 0
    band = scale.band(alts[0])
    for i in range(1, len(alts)):
        low = band * scale.step_m - hysteresis_m
        high = (band + 1) * scale.step_m + hysteresis_m
        if not low <= alts[i] < high:
            new_band = scale.band(alts[i])
            if new_band != band:
                runs.append((start, i, band))
                start, band = i, new_band
    runs.append((start, len(alts) - 1, band))
    return runs
