"""Helpers shared by the benchmarks: generated flight logs, timing, and a result table."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from firmware_protocol.emulator import SimulationConfig, simulate

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("GROUNDSTATION_BENCH_DIR", "/tmp/groundstation-bench"))


def compile_bytecode() -> None:
    """Write the project's bytecode caches (``__pycache__``) before anything is timed, as an
    installed copy, or one that has run once, has them. Where PYTHONDONTWRITEBYTECODE is set
    (some sandboxes and CI images set it for every process) Python never writes them, and each
    command would compile the project's modules again: ~70 ms before the decoding process of
    an import can decode a line, on the machine of the README's figures, which no user of an
    installed copy pays. (Python reads the caches whatever that variable says.)"""
    import compileall

    for package in ("groundstation", "firmware_protocol"):
        compileall.compile_dir(ROOT / package, quiet=1)


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


def _tree(root: int) -> set[int]:
    """A process and all its descendants, as /proc lists them now."""
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
    return tree


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU a process used so far (None once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Run:
    """A command's wall seconds, its peak RSS in kB, the CPU seconds of it and everything it
    started (exact: from the kernel once they ended), and the CPU of each process it started,
    as last sampled (up to a sample's worth short)."""

    wall: float
    peak_kb: int
    cpu: float
    children_cpu: tuple[float, ...]


def run_measured(*command: str, env: Mapping[str, str] | None = None) -> Run:
    """Run a command (in ``env``, by default this process's environment), sampling its process
    tree from /proc every 50 ms (:class:`Run`).

    The peak is of the summed RSS of the command and every process it starts (an import decodes
    in a worker process beside the writer): a peak shorter than a sample can be missed, and
    pages shared between processes are counted in each.
    """
    before = os.times()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
        peak = 0
        children: dict[int, float] = {}
        while process.poll() is None:
            tree = _tree(process.pid)
            peak = max(peak, sum(_rss_kb(pid) for pid in tree))
            for pid in tree - {process.pid}:
                used = _cpu_seconds(pid)
                if used is not None:
                    children[pid] = used
            time.sleep(SAMPLE_SECONDS)
        wall = time.perf_counter() - start
        stderr.seek(0)
        errors = stderr.read().decode("utf-8", "replace")
    after = os.times()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{errors[-800:]}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return Run(wall, peak, cpu, tuple(children.values()))


def measured(*command: str, env: Mapping[str, str] | None = None) -> tuple[float, int]:
    """Run a command; return its wall seconds and its peak RSS in kB (:func:`run_measured`)."""
    run = run_measured(*command, env=env)
    return run.wall, run.peak_kb


def groundstation(*args: str) -> tuple[float, int]:
    """The real command, as a user runs it: wall seconds and peak RSS in kB."""
    return measured(sys.executable, "-m", "groundstation", *args)


def groundstation_run(*args: str) -> Run:
    """:func:`groundstation` with its CPU (:class:`Run`)."""
    return run_measured(sys.executable, "-m", "groundstation", *args)
