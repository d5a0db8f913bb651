"""Helpers shared by the reliability tests: database snapshots, polling, mounts, the CLI.

The pseudo-terminal radio and the ``listen`` subprocess come from ``tests/test_listen.py``
(``Radio``, ``Listen``); this module only adds what those do not cover.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_listen import Listen, Radio

REPO = Path(__file__).resolve().parents[2]
SAMPLE_LOGS = REPO / "sample_logs"

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
"""Control characters that must never reach a terminal from the data (newline and tab may)."""


def rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def count(db: Path, sql: str) -> int:
    """``sql``'s single number, or 0 while the database or its tables do not exist yet."""
    if not db.exists():
        return 0
    try:
        found = rows(db, sql)
    except sqlite3.Error:
        return 0
    return int(found[0][0] or 0) if found else 0


def integrity(db: Path) -> str:
    return "; ".join(str(r[0]) for r in rows(db, "PRAGMA integrity_check"))


def snapshot(db: Path) -> dict[str, list[Any]]:
    """Everything an import decides, without ids or import times: what a clean import must give."""
    return {
        "sources": rows(db, "SELECT key, name, kind, complete FROM sources ORDER BY key"),
        "trackers": rows(db, "SELECT name FROM trackers ORDER BY name"),
        "raw": rows(
            db,
            "SELECT s.key, r.line_no, r.text, r.status, r.reason, r.sentence, t.name"
            " FROM raw_lines r JOIN sources s ON s.id = r.source_id"
            " LEFT JOIN trackers t ON t.id = r.tracker_id ORDER BY s.key, r.line_no",
        ),
        "fixes": rows(
            db,
            "SELECT t.name, f.time, f.lat, f.lon, f.alt_m, f.speed_mps, f.course_deg, f.sats,"
            " f.hdop, f.quality, f.sentence, r.line_no FROM fixes f"
            " JOIN trackers t ON t.id = f.tracker_id JOIN raw_lines r ON r.id = f.raw_line_id"
            " ORDER BY t.name, f.time",
        ),
        "telemetry": rows(
            db,
            "SELECT t.name, e.time, e.seq, e.battery_v, e.temp_int_c, e.temp_ext_c,"
            " e.pressure_hpa, e.extra, r.line_no FROM telemetry e"
            " JOIN trackers t ON t.id = e.tracker_id JOIN raw_lines r ON r.id = e.raw_line_id"
            " ORDER BY r.line_no",
        ),
        "link": rows(
            db,
            "SELECT t.name, l.seq, l.rssi_dbm, l.snr_db, l.freq_error_hz, l.crc_ok,"
            " l.lost_before, r.line_no FROM link l JOIN trackers t ON t.id = l.tracker_id"
            " JOIN raw_lines r ON r.id = l.raw_line_id ORDER BY r.line_no",
        ),
    }


def wait_until(
    condition: Callable[[], object], what: str, timeout: float = 10.0, every: float = 0.02
) -> float:
    """Poll ``condition`` until it is true; fail saying ``what`` did not happen. Returns seconds."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            pytest.fail(f"after {timeout:.0f} s: {what}")
        time.sleep(every)
    return time.monotonic() - start


def cli_argv(db: Path, *args: str, busy_timeout: float | None = None) -> list[str]:
    """The real ``groundstation`` command line; ``busy_timeout`` lowers SQLite's lock wait.

    The busy timeout is the module constant ``groundstation.store.database.BUSY_TIMEOUT_S``
    (30 s); a test of a locked database would otherwise wait that long for every attempt.
    """
    if busy_timeout is None:
        return [sys.executable, "-m", "groundstation", "--db", str(db), *args]
    boot = (
        "import sys; import groundstation.store.database as d;"
        " d.BUSY_TIMEOUT_S = float(sys.argv.pop(1));"
        " from groundstation.cli import run; sys.argv[0] = 'groundstation'; run()"
    )
    return [sys.executable, "-c", boot, str(busy_timeout), "--db", str(db), *args]


def run_cli(
    db: Path, *args: str, timeout: float = 120, **kw: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_argv(db, *args, **kw), capture_output=True, text=True, timeout=timeout
    )


class Listening(Listen):
    """``Listen`` (tests/test_listen.py), optionally with SQLite's busy timeout lowered in the
    child, and with a ``stop`` that keeps every stderr line: ``Listen.stop`` calls
    ``communicate``, which reads stderr too and can take the last lines (the exit error) away
    from the pump thread."""

    def __init__(self, db: Path, *args: str, busy_timeout: float | None = None) -> None:
        self.proc = subprocess.Popen(
            cli_argv(db, "listen", *args, busy_timeout=busy_timeout),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.stderr: list[str] = []
        self._pumping = threading.Thread(target=self._pump, daemon=True)
        self._pumping.start()

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)  # its stdout is one summary line: the pipe cannot fill
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self._pumping.join(10)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        with self.proc.stdout, self.proc.stderr:
            return self.proc.returncode, self.proc.stdout.read()


def send(radio: Radio, lines: list[str], timeout: float = 10.0) -> None:
    """``radio.send`` that fails instead of blocking when the listener stops reading (a pty
    holds a few kB; a blocking write would hang the test)."""
    data = ("\r\n".join(lines) + "\r\n").encode()
    os.set_blocking(radio.master, False)
    deadline = time.monotonic() + timeout
    while data:
        try:
            data = data[os.write(radio.master, data) :]
        except BlockingIOError:
            if time.monotonic() > deadline:
                pytest.fail(f"the listener stopped reading: {len(data)} bytes could not be sent")
            time.sleep(0.01)


def unread(radio: Radio) -> int:
    """Bytes the radio sent that the listener has not read yet (the pty's input queue)."""
    return int(struct.unpack("i", fcntl.ioctl(radio.slave, termios.FIONREAD, b"\0" * 4))[0])


def wait_read(radio: Radio, timeout: float = 10.0, settle: float = 0.5) -> None:
    """Wait until the listener has read everything sent (a stop then loses nothing in transit).

    The input queue FIONREAD counts holds at most 4 kB; the rest of a large write waits in the
    kernel's flip buffers and moves over a moment later, so the queue can read 0 between two
    refills with kilobytes still to come. Only a queue empty for ``settle`` seconds counts.
    """
    empty_since: list[float] = []

    def drained() -> bool:
        if unread(radio):
            empty_since.clear()
            return False
        if not empty_since:
            empty_since.append(time.monotonic())
        return time.monotonic() - empty_since[0] >= settle

    wait_until(drained, "the listener did not read what was sent", timeout + settle)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit status 1, and stderr is exactly one plain ``Error: ...`` line containing ``needles``."""
    err = result.stderr.strip()
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    assert len(err.splitlines()) == 1, f"expected one line, got: {result.stderr!r}"
    assert err.startswith("Error: "), err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    return err


# -- mounts ----------------------------------------------------------------------------------
def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        message = f"mount {' '.join(args)} failed: {result.stderr.strip()}"
        if os.environ.get("CI") and os.geteuid() == 0:
            pytest.fail(message)  # CI runs as root: these tests must run there
        pytest.skip(f"{message} (mounting needs root or CAP_SYS_ADMIN)")


def _umount(path: Path) -> None:
    for _ in range(50):  # a process that just exited may still hold a file for a moment
        if subprocess.run(["umount", str(path)], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    subprocess.run(["umount", "-l", str(path)], check=False)


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small RAM file system at ``path`` (a disk that can really be full)."""
    path.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(path))
    try:
        yield path
    finally:
        _umount(path)


def resize(path: Path, size: str) -> None:
    _mount("-o", f"remount,size={size}", str(path))


@contextlib.contextmanager
def read_only_view(source: Path, path: Path) -> Iterator[Path]:
    """``source`` seen read-only at ``path`` (a bind mount: chmod does not stop root)."""
    path.mkdir(parents=True, exist_ok=True)
    _mount("--bind", str(source), str(path))
    try:
        _mount("-o", "remount,bind,ro", str(path))
        yield path
    finally:
        _umount(path)


def fill(directory: Path) -> Path:
    """Fill the file system holding ``directory`` until it has no room left."""
    filler = directory / "filler"
    block = b"\0" * 65536
    with filler.open("wb", buffering=0) as fh:
        for size in (65536, 4096, 512, 1):
            while True:
                try:
                    fh.write(block[:size])
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    return filler
