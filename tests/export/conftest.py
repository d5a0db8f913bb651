"""Fixtures for the export tests: emulated flights, analysed once per session."""

from __future__ import annotations

import pytest
from export_kit import HOSTILE, emulated

from firmware_protocol.emulator import SimulationConfig
from groundstation.export import FlightExport, flight_exports


@pytest.fixture(scope="session")
def two_flights() -> list[FlightExport]:
    """Two emulated trackers launched 90 s apart, with telemetry and predictions."""
    fixes, telemetry = emulated(SimulationConfig(seed=2, trackers=2, interval=4.0))
    return flight_exports(fixes, telemetry)


@pytest.fixture(scope="session")
def hostile_flights() -> list[FlightExport]:
    """Two flights whose callsigns and telemetry text are attacks on the page."""
    fixes, telemetry = emulated(
        SimulationConfig(seed=4, trackers=2, interval=6.0), names=[HOSTILE[0], HOSTILE[2]]
    )
    telemetry = [
        type(t)(t.tracker, t.time, t.seq, t.battery_v, t.temp_int_c, t.temp_ext_c,
                t.pressure_hpa, {HOSTILE[1]: HOSTILE[3], "comment": HOSTILE[0]})
        for t in telemetry
    ]  # fmt: skip
    return flight_exports(fixes, telemetry)
