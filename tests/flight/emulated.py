"""Emulated flights with known truth, as log files the ground station imports (tests only).

Each scenario is a tracker emulator run (:mod:`firmware_protocol.emulator`) written to a log
file, with the emulator's true flights kept alongside. Logs are made once per test session in a
shared folder and reused: :func:`emulated` writes a log only if it is not there yet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from firmware_protocol.emulator import FlightTruth, SimulationConfig, fly, simulate


@dataclass(frozen=True)
class Scenario:
    """An emulator run; ``lost_below_m`` cuts the log where the descent passes that altitude."""

    config: SimulationConfig
    tracker: str | None = None  # for plain NMEA, which carries no callsign
    lost_below_m: float | None = None


SCENARIOS: dict[str, Scenario] = {
    "clean": Scenario(SimulationConfig(seed=1, interval=5)),
    "seed2": Scenario(SimulationConfig(seed=2, interval=5)),
    "seed3": Scenario(SimulationConfig(seed=3, interval=5, output_format="nmea"), "NMEA3"),
    "loss": Scenario(SimulationConfig(seed=5, interval=5, loss=0.05)),
    "glitches": Scenario(
        SimulationConfig(seed=6, interval=2, output_format="nmea", bit_errors=1e-3), "GLITCHY"
    ),
    "lost": Scenario(SimulationConfig(seed=7, interval=5), lost_below_m=12_000.0),
}


@dataclass(frozen=True)
class Emulated:
    """A scenario's log file and the true flights behind it."""

    name: str
    log: Path
    scenario: Scenario
    truths: tuple[FlightTruth, ...]
    cut_at: datetime | None = field(default=None)

    @property
    def config(self) -> SimulationConfig:
        return self.scenario.config

    def tracker(self, index: int = 0) -> str:
        return self.scenario.tracker or self.config.callsign(index)

    def utc(self, seconds: float) -> datetime:
        return self.config.start + timedelta(seconds=seconds)

    def truth(self, index: int = 0) -> FlightTruth:
        return self.truths[index]

    def descent_time_at(self, alt_m: float, index: int = 0) -> datetime:
        """When the true flight, falling, passed an altitude."""
        for p in self.truth(index).points:
            if p.phase == "descent" and p.alt <= alt_m:
                return self.utc(p.time)
        raise ValueError(f"the flight never came down to {alt_m} m")


def emulated(name: str, directory: Path) -> Emulated:
    """The scenario's log in ``directory``, written now unless it is already there."""
    scenario = SCENARIOS[name]
    truths = fly(scenario.config)
    cut: float | None = None
    if scenario.lost_below_m is not None:
        cut = next(
            p.time
            for p in truths[0].points
            if p.phase == "descent" and p.alt <= scenario.lost_below_m
        )
    log = directory / f"{name}.log"
    if not log.exists():
        directory.mkdir(parents=True, exist_ok=True)
        partial = log.with_suffix(".part")
        with partial.open("wb") as handle:
            for seconds, data in simulate(scenario.config, truths):
                if cut is not None and seconds > cut:
                    break
                handle.write(data)
        os.replace(partial, log)
    cut_at = None if cut is None else scenario.config.start + timedelta(seconds=cut)
    return Emulated(name, log, scenario, tuple(truths), cut_at)


def import_log(db: Path, *logs: Path, tracker: str | None = None) -> None:
    """``groundstation import`` the logs into a database, as a user would."""
    from groundstation.cli import main

    args = ["--db", str(db), "import", *map(str, logs)]
    if tracker is not None:
        args += ["--tracker", tracker]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
