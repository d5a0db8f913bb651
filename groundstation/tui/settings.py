"""What the live view is told at start: the station, when a tracker counts as stale, the clock,
the boundaries to watch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI reads these settings before it knows if boundaries are wanted
    from groundstation.flight.boundary import Boundary

DEFAULT_STALE_AFTER_S = 30.0
DEFAULT_LOW_BATTERY_V = 3.5


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Station:
    """The ground station's position (WGS84 degrees, metres above mean sea level)."""

    lat: float
    lon: float
    alt_m: float = 0.0


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """Settings of the live view.

    ``clock`` gives the current UTC time for ages and staleness (tests freeze it).
    ``analysis_interval_s`` is the least time between two flight analyses of one tracker;
    ``drain_interval_s`` how often records waiting for the screen are taken in.
    ``boundaries`` are watched for crossings by every tracker.
    """

    station: Station | None = None
    stale_after_s: float = DEFAULT_STALE_AFTER_S
    low_battery_v: float = DEFAULT_LOW_BATTERY_V
    analysis_interval_s: float = 3.0
    drain_interval_s: float = 0.1
    clock: Callable[[], datetime] = utc_now
    db_path: str | None = None
    boundaries: tuple[Boundary, ...] = ()
