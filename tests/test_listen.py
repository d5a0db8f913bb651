"""`groundstation listen` on real pseudo-terminals, including a radio unplugged and plugged back."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import tty
from datetime import UTC, datetime
from pathlib import Path

from trackgen import track_lines


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Radio:
    """A pseudo-terminal standing in for a USB radio, reachable through a stable symlink."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.plug()

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        tmp = self.link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(self.slave))
        os.replace(tmp, self.link)

    def unplug(self) -> None:
        os.close(self.master)
        os.close(self.slave)

    def send(self, lines: list[str]) -> None:
        os.write(self.master, ("\r\n".join(lines) + "\r\n").encode())


class Listen:
    """The real CLI in a subprocess, with its stderr read line by line."""

    def __init__(self, db: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "groundstation", "--db", str(db), "listen", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.stderr: list[str] = []
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def wait_for(self, text: str, times: int = 1, timeout: float = 10.0) -> float:
        """Wait until ``text`` has appeared on stderr ``times`` times; return how long it took."""
        start = time.monotonic()
        while sum(text in line for line in list(self.stderr)) < times:
            assert time.monotonic() - start < timeout, f"never saw {text!r}: {self.stderr}"
            time.sleep(0.02)
        return time.monotonic() - start

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        assert self.proc.stdout is not None  # stderr belongs to the pump thread: not read here
        out = self.proc.stdout.read()
        self.proc.stdout.close()
        self.proc.wait(timeout=20)
        self.pump.join(timeout=5)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        return self.proc.returncode, out


def count(db: Path, sql: str) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def wait_rows(db: Path, sql: str, n: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not (db.exists() and _safe_count(db, sql) >= n):
        assert time.monotonic() < deadline, f"only {_safe_count(db, sql)} of {n} rows for {sql}"
        time.sleep(0.05)


def _safe_count(db: Path, sql: str) -> int:
    try:
        return count(db, sql)
    except sqlite3.Error:
        return 0


def test_listen_stores_every_line_through_unplug_and_replug(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    radio = Radio(tmp_path / "radio")
    listen = Listen(db, str(radio.link), "--tracker", "HAB1")
    try:
        listen.wait_for(f"{radio.link}: open")
        lines = track_lines(60, start=now_utc())
        radio.send(lines[:90])
        wait_rows(db, "SELECT count(*) FROM raw_lines", 90)
        for plug in range(3):
            radio.unplug()
            listen.wait_for(f"{radio.link}: lost", times=plug + 1)
            time.sleep(0.3)  # the radio stays away a moment
            radio.plug()
            back = listen.wait_for(f"{radio.link}: open", times=plug + 2)
            assert back < 2.0, f"took {back:.1f} s to reconnect"
            chunk = lines[90 + plug * 30 : 120 + plug * 30]
            radio.send(chunk)
            wait_rows(db, "SELECT count(*) FROM raw_lines", 120 + plug * 30)
        assert listen.proc.poll() is None, "listen exited on an unplugged port"
    finally:
        code, out = listen.stop()
        radio.unplug()
    assert code == 0, listen.stderr
    assert out.strip() == (
        f"Stopped: 180 lines stored, 60 fixes, 0 rejected ({radio.link}: 180 lines, 60 fixes,"
        " 0 rejected)"
    )
    assert count(db, "SELECT count(*) FROM raw_lines WHERE status = 'ok'") == 180
    assert (
        count(
            db,
            "SELECT count(*) FROM fixes f JOIN trackers t ON t.id = f.tracker_id"
            " WHERE t.name = 'HAB1'",
        )
        == 60
    )
    # line numbers continue across reconnects: nothing overwritten, nothing skipped
    assert count(db, "SELECT max(line_no) FROM raw_lines") == 180


def test_listen_reads_several_ports_and_keeps_waiting_for_a_missing_one(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    a, b = Radio(tmp_path / "a"), Radio(tmp_path / "b")
    missing = tmp_path / "not-plugged-in"
    listen = Listen(db, str(a.link), str(b.link), str(missing))
    try:
        listen.wait_for(f"{missing}: retrying")
        listen.wait_for(f"{a.link}: open")
        listen.wait_for(f"{b.link}: open")
        a.send(track_lines(5, start=now_utc()))
        b.send(track_lines(7, start=now_utc()))
        wait_rows(db, "SELECT count(*) FROM fixes", 12)
    finally:
        code, out = listen.stop()
        a.unplug()
        b.unplug()
    assert code == 0
    assert out.startswith("Stopped: 36 lines stored, 12 fixes, 0 rejected")
    assert count(db, "SELECT count(DISTINCT tracker_id) FROM fixes") == 2


def test_a_partial_line_when_the_port_vanishes_is_kept(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    radio = Radio(tmp_path / "radio")
    listen = Listen(db, str(radio.link))
    try:
        listen.wait_for("open")
        os.write(radio.master, b"$GPGGA,1200")
        time.sleep(0.3)
        radio.unplug()
        listen.wait_for("lost")
        wait_rows(db, "SELECT count(*) FROM raw_lines WHERE text = '$GPGGA,1200'", 1)
    finally:
        listen.stop()


def test_the_station_gps_port_gives_station_positions_not_a_tracker(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    radio, gps = Radio(tmp_path / "radio"), Radio(tmp_path / "gps")
    listen = Listen(db, str(radio.link), "--station-port", str(gps.link))
    try:
        listen.wait_for(f"{gps.link}: open")
        gps.send(track_lines(4, start=now_utc()))
        wait_rows(db, "SELECT count(*) FROM station_fixes", 4)
    finally:
        listen.stop()
        radio.unplug()
        gps.unplug()
    assert count(db, "SELECT count(*) FROM fixes") == 0
    assert count(db, "SELECT count(*) FROM sources WHERE kind = 'station'") == 1


def test_listen_on_the_emulators_virtual_port_fills_fixes_telemetry_and_link(
    tmp_path: Path,
) -> None:
    db = tmp_path / "live.db"
    emulator = subprocess.Popen(
        [sys.executable, "-m", "groundstation", "simulate", "--pty", "--trackers", "2",
         "--speed", "60", "--seed", "9"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    listen = None
    try:
        assert emulator.stderr is not None
        first = emulator.stderr.readline()
        assert first.startswith("Serial port: /dev/pts/"), first
        port = first.split(": ", 1)[1].strip()
        listen = Listen(db, port)
        listen.wait_for(f"{port}: open")
        sql = (
            "SELECT count(*) FROM trackers t"
            " WHERE EXISTS (SELECT 1 FROM fixes WHERE tracker_id = t.id)"
            " AND EXISTS (SELECT 1 FROM telemetry WHERE tracker_id = t.id)"
            " AND EXISTS (SELECT 1 FROM link WHERE tracker_id = t.id AND rssi_dbm IS NOT NULL)"
        )
        wait_rows(db, sql, 2, timeout=30)
    finally:
        if listen is not None:
            code, out = listen.stop()
            assert code == 0 and out.startswith("Stopped: ")
        emulator.send_signal(signal.SIGINT)
        emulator.communicate(timeout=10)
    names = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM trackers")}
    assert {"EMU1", "EMU2"} <= names


def test_fix_times_far_from_the_clock_are_rejected_unless_told_otherwise(tmp_path: Path) -> None:
    from datetime import timedelta

    ahead = now_utc() + timedelta(hours=2)  # what a sped-up emulator sends after a while
    for flag, fixes in (((), 0), (("--no-clock-check",), 3)):
        db = tmp_path / f"live{len(flag)}.db"
        radio = Radio(tmp_path / f"radio{len(flag)}")
        listen = Listen(db, str(radio.link), *flag)
        try:
            listen.wait_for("open")
            radio.send(track_lines(3, start=ahead))
            wait_rows(db, "SELECT count(*) FROM raw_lines", 9)
        finally:
            listen.stop()
            radio.unplug()
        assert count(db, "SELECT count(*) FROM fixes") == fixes
        if not fixes:
            reasons = count(db, "SELECT count(*) FROM raw_lines WHERE reason ="
                                " 'fix time far from receive time'")  # fmt: skip
            assert reasons == 6  # GGA and RMC of three epochs
