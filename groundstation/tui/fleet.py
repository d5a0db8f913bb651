"""The fleet view: which trackers are shown, in what order, and the counts a crew watches.

A launch campaign puts dozens of balloons in the air at once; the table then shows them sorted
(by name, altitude, range, last heard or state) and filtered (all, airborne, descending, crossed
a boundary, lost, landed), and a summary line counts each kind. No Textual here: the app asks
:class:`FleetView` for the order of the rows and the counts, and draws them.

A tracker's *state* is its flight phase from the latest flight analysis ("pre-launch" if that
found no launch in its track), except that a tracker
that was airborne when it was last heard and has been silent longer than the stale limit (or
whose analysis says its signal was lost in the air) is ``"lost"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from groundstation.flight import ground_distance_m
from groundstation.tui.model import TrackerState
from groundstation.tui.settings import Station

SortKey = Literal["name", "altitude", "range", "heard", "state"]
SORTS: tuple[SortKey, ...] = ("name", "altitude", "range", "heard", "state")
SORT_LABELS: dict[SortKey, str] = {
    "name": "name",
    "altitude": "altitude",
    "range": "range",
    "heard": "last heard",
    "state": "state",
}
SORT_COLUMNS: dict[SortKey, str] = {
    "name": "callsign",
    "altitude": "alt",
    "range": "range",
    "heard": "age",
    "state": "phase",
}
"""The table column each sort order is about (its header shows the sort's arrow)."""

FilterKey = Literal["all", "airborne", "descending", "crossed", "lost", "landed"]
FILTERS: tuple[FilterKey, ...] = ("all", "airborne", "descending", "crossed", "lost", "landed")

State = Literal["pre-launch", "ascent", "float", "descent", "landed", "lost"]
AIRBORNE: frozenset[str] = frozenset({"ascent", "float", "descent"})
STATE_RANK: dict[str | None, int] = {
    "lost": 0,
    "descent": 1,
    "float": 2,
    "ascent": 3,
    "pre-launch": 4,
    None: 5,
    "landed": 6,
}
"""The state sort puts what needs the crew first: lost, coming down, up, waiting, done."""


def state(t: TrackerState) -> State | None:
    """The tracker's phase, or ``"lost"``; ``None`` before its first flight analysis."""
    analysis = t.analysis
    if analysis is not None and analysis.flight is None:
        return "pre-launch"  # heard, but no launch in its track
    phase = analysis.phase if analysis is not None else None
    if phase in AIRBORNE:
        flight = analysis.flight if analysis is not None else None
        if t.stale or (flight is not None and flight.status == "signal lost"):
            return "lost"
    return phase


def crossed(t: TrackerState) -> bool:
    return bool(t.crossings)


def matches(t: TrackerState, kind: FilterKey) -> bool:
    """Whether the filter ``kind`` shows the tracker."""
    if kind == "all":
        return True
    if kind == "crossed":
        return crossed(t)
    s = state(t)
    if kind == "airborne":
        return s in AIRBORNE
    if kind == "descending":
        return s == "descent"
    return s == kind  # lost, landed


@dataclass(frozen=True, slots=True)
class FleetCounts:
    """How many trackers there are of each kind (``airborne`` and ``descending`` leave out
    the lost ones; ``crossed`` counts any tracker that crossed a boundary at least once)."""

    total: int = 0
    airborne: int = 0
    descending: int = 0
    crossed: int = 0
    landed: int = 0
    lost: int = 0

    def of(self, kind: FilterKey) -> int:
        """How many trackers the filter ``kind`` shows."""
        return self.total if kind == "all" else int(getattr(self, kind))


def count(trackers: Iterable[TrackerState]) -> FleetCounts:
    total = airborne = descending = n_crossed = landed = lost = 0
    for t in trackers:
        total += 1
        s = state(t)
        if s in AIRBORNE:
            airborne += 1
            descending += s == "descent"
        elif s == "landed":
            landed += 1
        elif s == "lost":
            lost += 1
        n_crossed += crossed(t)
    return FleetCounts(total, airborne, descending, n_crossed, landed, lost)


_DIGITS = re.compile(r"(\d+)")


def natural(name: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key that puts EMU2 before EMU10 (numbers in a name compare as numbers)."""
    return tuple(
        (0, int(part), part) if part.isdigit() else (1, 0, part)
        for part in _DIGITS.split(name)
        if part
    )


def _range_m(t: TrackerState, station: Station | None) -> float | None:
    fix = t.last_fix
    if fix is None or station is None:
        return None
    return ground_distance_m(station.lat, station.lon, fix.lat, fix.lon)


def _value(t: TrackerState, key: SortKey, station: Station | None) -> float | None:
    """The number a tracker is sorted by, smallest first in the natural order of ``key``."""
    if key == "altitude":
        fix = t.last_fix
        return None if fix is None or fix.alt_m is None else -fix.alt_m  # highest first
    if key == "range":
        return _range_m(t, station)  # nearest first
    if key == "heard":  # silent longest first
        return None if t.last_received is None else t.last_received.timestamp()
    return float(STATE_RANK.get(state(t), STATE_RANK[None]))


def ordered(
    trackers: Iterable[TrackerState],
    key: SortKey,
    reverse: bool = False,
    kind: FilterKey = "all",
    station: Station | None = None,
) -> list[str]:
    """The names of the trackers ``kind`` shows, sorted by ``key`` (ties by name; trackers
    without a value for ``key`` come last either way). Names sort naturally: EMU2, EMU10."""
    shown = [t for t in trackers if matches(t, kind)]
    if key == "name":
        return sorted((t.name for t in shown), key=natural, reverse=reverse)
    sign = -1.0 if reverse else 1.0
    keyed = []
    for t in shown:
        v = _value(t, key, station)
        keyed.append((v is None, 0.0 if v is None else sign * v, natural(t.name), t.name))
    keyed.sort()
    return [name for *_, name in keyed]


@dataclass(slots=True)
class FleetView:
    """The crew's choice of sort order and filter, cycled by keys."""

    sort: SortKey = "name"
    reverse: bool = False
    filter: FilterKey = "all"

    def next_sort(self, step: int = 1, *, station_known: bool = True) -> SortKey:
        """Move to the next (or previous) sort order; range only once a station is known."""
        choices = [k for k in SORTS if station_known or k != "range"]
        here = choices.index(self.sort) if self.sort in choices else 0
        self.sort = choices[(here + step) % len(choices)]
        self.reverse = False
        return self.sort

    def next_filter(self, step: int = 1, *, boundaries: bool = True) -> FilterKey:
        """Move to the next (or previous) filter; "crossed" only when boundaries are watched."""
        choices = [k for k in FILTERS if boundaries or k != "crossed"]
        here = choices.index(self.filter) if self.filter in choices else 0
        self.filter = choices[(here + step) % len(choices)]
        return self.filter

    def order(self, trackers: Iterable[TrackerState], station: Station | None) -> list[str]:
        return ordered(trackers, self.sort, self.reverse, self.filter, station)

    @property
    def arrow(self) -> str:
        """▲ when the sorted column's values grow down the table, ▼ when they shrink."""
        grows = {"name": True, "altitude": False, "range": True, "heard": False, "state": True}
        return "▲" if grows[self.sort] != self.reverse else "▼"

    def describe(self) -> str:
        return f"sort {SORT_LABELS[self.sort]} {self.arrow}"
