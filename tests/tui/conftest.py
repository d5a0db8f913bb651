"""Fixtures for the live view: a deterministic emulator flight, decoded, and a frozen clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tuikit import FLIGHT, STATION, Clock, decode_log

from firmware_protocol.emulator import simulate
from groundstation.models import Decoded
from groundstation.tui.settings import LiveSettings


@pytest.fixture(scope="session")
def flight_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two trackers, launch to landing at 3 km burst altitude: always the same bytes."""
    path = tmp_path_factory.mktemp("logs") / "two-trackers-3km.log"
    path.write_bytes(b"".join(data for _, data in simulate(FLIGHT)))
    return path


@pytest.fixture(scope="session")
def flight_records(flight_log: Path) -> list[Decoded]:
    return decode_log(flight_log)


@pytest.fixture
def end_clock(flight_records: list[Decoded]) -> Clock:
    """Frozen five seconds after the last line of the flight."""
    return Clock(max(d.raw.received_at for d in flight_records) + timedelta(seconds=5))


@pytest.fixture
def settings_for() -> Callable[[Callable[[], datetime]], LiveSettings]:
    def make(clock: Callable[[], datetime]) -> LiveSettings:
        return LiveSettings(station=STATION, stale_after_s=30.0, clock=clock)

    return make
