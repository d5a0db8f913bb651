"""``kill -9`` of ``groundstation import`` at 20 moments spread over the whole import.

Protections checked: SQLite's WAL with whole-batch transactions (a kill never leaves a damaged
file: ``PRAGMA integrity_check`` is ``ok`` every time), idempotent ingest (raw lines keyed by
source and line number, fixes merged by tracker and time, telemetry and link rows keyed by their
line) and the ``complete`` mark set only after the last commit: importing the file again after
any kill gives exactly the database a clean import gives, with no duplicate and nothing missing.

The log is an emulated two-tracker flight in our protocol with noise, bit errors and packet loss
(raw lines, rejections, fixes, telemetry and link rows are all compared), with a receiver's
binary frames mixed in. 16 kills are stratified over the import (one random moment in each
sixteenth of the time from the database file appearing to the end of a clean import, so kills
land during schema creation, before, during and between commits, and around the ``complete``
mark); 4 more land just after the first commit becomes visible, so a partly stored file is
always among them. Two kills run at a time to fit the time budget, each with its own database.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from relhelpers import cli_argv, count, integrity, snapshot, wait_until

from groundstation.cli import _BULK
from groundstation.ingest import import_file, open_store
from groundstation.pipeline import Pipeline
from groundstation.store.writer import BatchWriter

KILLS = 20
AFTER_COMMIT = 4


@pytest.fixture(scope="module")
def flight_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An emulated flight with a receiver's binary frames mixed in (about 1.1 MB, 15,000 lines
    stored).

    The binary runs are cheap to decode (cut into 256-byte "line too long" pieces) but make
    the import commit more than once (its batches hold 10,000 lines), so a kill can land
    between its commits: ~20 ms on the development machine, ~0.4 s into the import."""
    log = tmp_path_factory.mktemp("kill") / "flight.log"
    subprocess.run(
        cli_argv(log.with_suffix(".unused.db"), "simulate", "--seed", "5", "--trackers", "2",
                 "--interval", "6", "--noise", "0.01", "--bit-errors", "0.0002", "--loss",
                 "0.02", "-o", str(log)),
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    rng = random.Random(5)
    junk = bytes(b for b in range(256) if b not in b"\r\n$")
    out = bytearray()
    for n, line in enumerate(log.read_bytes().splitlines(keepends=True)):
        out += line
        if n % 40 == 39:
            out += bytes(rng.choices(junk, k=1024)) + b"\r\n"
    log.write_bytes(bytes(out))
    return log


def reimport(db: Path, log: Path) -> None:
    """What ``groundstation import`` does, in this process (no interpreter start-up per kill)."""
    store = open_store(db)
    writer = BatchWriter(db, hold_on_error=False, **_BULK).start()
    try:
        import_file(Pipeline(writer), store, log)
    finally:
        writer.close()
        store.close()
    assert writer.error is None, writer.error


def import_until_killed(db: Path, log: Path, delay: float, after_first_commit: bool) -> str:
    """Start an import; kill -9 it ``delay`` seconds after its database file appears (or after
    its first commit becomes visible)."""
    proc = subprocess.Popen(
        cli_argv(db, "import", str(log)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def started() -> bool:
        if after_first_commit:
            return count(db, "SELECT count(*) FROM raw_lines") > 0
        return db.exists()

    try:
        wait_until(lambda: started() or proc.poll() is not None, "no start", 60, every=0.003)
        deadline = time.monotonic() + delay
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(min(0.005, max(0.0, deadline - time.monotonic())))
        state = "finished before the kill" if proc.poll() is not None else "killed"
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        state = "finished before the kill"
    finally:
        proc.wait(timeout=30)
    return state


def test_kill_9_at_20_moments_never_damages_the_database_and_reimport_completes_it(
    flight_log: Path, tmp_path: Path
) -> None:
    # Two clean imports side by side: the reference, and how long an import takes on a
    # machine as busy as it is during the kills (two at a time).
    cleans = [tmp_path / "clean.db", tmp_path / "clean2.db"]
    procs = [
        subprocess.Popen(cli_argv(db, "import", str(flight_log)), stdout=subprocess.DEVNULL)
        for db in cleans
    ]
    wait_until(lambda: cleans[0].exists() or procs[0].poll() is not None, "no db", every=0.002)
    appeared = time.monotonic()
    seen: set[int] = set()  # line counts visible while the clean import ran
    while procs[0].poll() is None:
        seen.add(count(cleans[0], "SELECT count(*) FROM raw_lines"))
        time.sleep(0.005)
    window = time.monotonic() - appeared
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    expected = snapshot(cleans[0])
    assert snapshot(cleans[1]) == expected
    assert expected["telemetry"] and expected["link"] and expected["fixes"]
    assert any(r[3] == "rejected" for r in expected["raw"])
    assert expected["sources"][0][3] == 1  # complete
    total = len(expected["raw"])

    rng = random.Random(20)
    timed = KILLS - AFTER_COMMIT
    # spread a little past the clean import's end: an import on a busy machine may run longer
    moments = [(1.3 * window * (i + rng.random()) / timed, False) for i in range(timed)]
    # (the second commit follows the first within ~20 ms: a kill meant to land between them
    # comes within 10 ms of seeing the first)
    moments += [(rng.uniform(0.0, 0.01), True) for _ in range(AFTER_COMMIT)]
    rng.shuffle(moments)

    def attempt(i: int) -> tuple[float, bool, str, int]:
        db = tmp_path / f"killed{i}.db"
        delay, after_commit = moments[i]
        state = import_until_killed(db, flight_log, delay, after_commit)
        stored = count(db, "SELECT count(*) FROM raw_lines")
        where = f"kill {i}, {delay:.2f} s after {'a commit' if after_commit else 'the start'}"
        if db.exists():
            assert integrity(db) == "ok", f"{where} ({state}): the database is damaged"
        reimport(db, flight_log)
        assert snapshot(db) == expected, (
            f"{where} ({state}, {stored} lines stored): the re-import differs from a clean import"
        )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        return delay, after_commit, state, stored

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(attempt, range(KILLS)))
    stored = [n for *_, n in outcomes]
    # the kills reached the interesting states: nothing stored yet, all stored, and (when the
    # import commits more than once) part of the file stored
    assert min(stored) == 0 and max(stored) == total, sorted(outcomes)
    if any(0 < n < total for n in seen):
        assert any(0 < n < total for n in stored), sorted(outcomes)
