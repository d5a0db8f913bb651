"""Fixtures for the live view: a deterministic emulator flight, decoded, and a frozen clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firmware_protocol.emulator import DEFAULT_START, SimulationConfig, simulate
from groundstation.models import Decoded
from groundstation.pipeline import LineIngest
from groundstation.tui.settings import LiveSettings, Station

STATION = Station(52.17, 0.16, 20.0)
FLIGHT = SimulationConfig(trackers=2, seed=5, burst_altitude=3000.0, interval=2.0,
                          start=DEFAULT_START)  # fmt: skip


@pytest.fixture(scope="session")
def flight_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two trackers, launch to landing at 3 km burst altitude: always the same bytes."""
    path = tmp_path_factory.mktemp("logs") / "two-trackers-3km.log"
    path.write_bytes(b"".join(data for _, data in simulate(FLIGHT)))
    return path


def decode_log(path: Path) -> list[Decoded]:
    """The log decoded, each line received at the time of the latest fix before it."""
    data = path.read_bytes()
    ingest = LineIngest("file:test", path.name, live_clock=False)
    ingest.decoder.learn_dates(data[: 256 * 1024])
    decoded = ingest.feed(data, DEFAULT_START) + ingest.finish(DEFAULT_START)
    out = []
    received = DEFAULT_START
    for d in decoded:
        if d.fixes:
            received = max(received, d.fixes[0].time)
        out.append(replace(d, raw=replace(d.raw, received_at=received)))
    return out


@pytest.fixture(scope="session")
def flight_records(flight_log: Path) -> list[Decoded]:
    return decode_log(flight_log)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def end_clock(flight_records: list[Decoded]) -> Clock:
    """Frozen five seconds after the last line of the flight."""
    return Clock(max(d.raw.received_at for d in flight_records) + timedelta(seconds=5))


@pytest.fixture
def settings_for() -> Callable[[Callable[[], datetime]], LiveSettings]:
    def make(clock: Callable[[], datetime]) -> LiveSettings:
        return LiveSettings(station=STATION, stale_after_s=30.0, clock=clock)

    return make


T0 = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
