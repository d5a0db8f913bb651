"""Helpers shared by the benchmarks: generated flight logs, timing, and a result table."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from firmware_protocol.emulator import SimulationConfig, simulate

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("GROUNDSTATION_BENCH_DIR", "/tmp/groundstation-bench"))


@dataclass(frozen=True)
class Row:
    benchmark: str
    figure: str
    value: str
    baseline: str
    ratio: str
    target: str
    ok: bool | None

    def cells(self) -> list[str]:
        verdict = "" if self.ok is None else ("ok" if self.ok else "MISSED")
        return [self.benchmark, self.figure, self.value, self.baseline, self.ratio, self.target,
                verdict]  # fmt: skip


def print_table(rows: list[Row]) -> None:
    header = ["benchmark", "figure", "value", "baseline", "ratio", "target", ""]
    table = [header] + [r.cells() for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for n, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def flight_log(lines: int) -> Path:
    """A generated multi-tracker flight in our protocol with exactly ``lines`` lines (cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"flight-{lines}.log"
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    written = 0
    seed = 1
    with tmp.open("wb") as out:
        while written < lines:  # successive flights (new seeds) until the count is reached
            config = SimulationConfig(
                trackers=6, seed=seed, interval=0.5, callsign_prefix=f"B{seed}"
            )
            for _, chunk in simulate(config):
                for line in chunk.splitlines(keepends=True):
                    out.write(line)
                    written += 1
                    if written == lines:
                        break
                if written == lines:
                    break
            seed += 1
    tmp.rename(path)
    return path


_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code, file=sys.stderr)\n"
)


def measured(*command: str) -> tuple[float, int]:
    """Run a command; return its wall seconds and its peak RSS in kB (its own, alone)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    *_, last = done.stderr.strip().splitlines() or ["0 1"]
    peak, code = (int(x) for x in last.split())
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-800:]}")
    return wall, peak


def groundstation(*args: str) -> tuple[float, int]:
    """The real command, as a user runs it: wall seconds and peak RSS in kB."""
    return measured(sys.executable, "-m", "groundstation", *args)
