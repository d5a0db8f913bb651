"""A tracker emulator: seeded, physically grounded balloon flights speaking the protocol.

>>> from firmware_protocol.emulator import SimulationConfig, simulate
>>> first_time, first_bytes = next(simulate(SimulationConfig(seed=7)))
"""

from __future__ import annotations

from firmware_protocol.emulator.config import DEFAULT_START, FORMATS, OutputFormat, SimulationConfig
from firmware_protocol.emulator.flight import (
    FlightEvents,
    FlightTruth,
    Phase,
    TruthPoint,
    fly,
    truth_to_json,
)
from firmware_protocol.emulator.sensors import Report
from firmware_protocol.emulator.stream import simulate, tracker_lines
from firmware_protocol.emulator.wind import WindProfile

__all__ = [
    "DEFAULT_START",
    "FORMATS",
    "FlightEvents",
    "FlightTruth",
    "OutputFormat",
    "Phase",
    "Report",
    "SimulationConfig",
    "TruthPoint",
    "WindProfile",
    "fly",
    "simulate",
    "tracker_lines",
    "truth_to_json",
]
