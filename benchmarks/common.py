"""Helpers shared by the benchmarks: generated flight logs, timing, and a result table."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
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


def _tree_rss_kb(root: int) -> int:
    """Resident memory in kB of a process and all its descendants, read from /proc now."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name in brackets may hold spaces; the parent id follows its close.
        parents[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


SAMPLE_SECONDS = 0.05


def measured(*command: str) -> tuple[float, int]:
    """Run a command; return its wall seconds and its peak RSS in kB.

    The peak is of the summed RSS of the command and every process it starts (an import decodes
    in a worker process beside the writer), sampled from /proc every 50 ms: a peak shorter than
    that can be missed, and pages shared between processes are counted in each.
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(SAMPLE_SECONDS)
        wall = time.perf_counter() - start
        stderr.seek(0)
        errors = stderr.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{errors[-800:]}")
    return wall, peak


def groundstation(*args: str) -> tuple[float, int]:
    """The real command, as a user runs it: wall seconds and peak RSS in kB."""
    return measured(sys.executable, "-m", "groundstation", *args)
