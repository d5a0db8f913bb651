"""Disk trouble: a full file system, a read-only one, and a database locked by another writer.

Protections checked:

- ``import`` on a disk that fills up stops at the first failed commit with one plain line
  (``BatchWriter(hold_on_error=False)``; before, it retried for ~45 s and printed log lines),
  leaves a sound database, and importing again once there is room gives the clean result;
- ``listen`` keeps reading while the database cannot be written: the writer holds the lines in
  memory (``hold_on_error=True``, at most ``max_held`` lines), says so on stderr once, commits
  them all when the disk has room again, and says that too; if it is stopped while the disk is
  still full it says plainly how many lines it could not store;
- a read-only path and a database locked by another writer give one plain line, no traceback,
  and the database stays sound; ``status`` still reads a read-only or locked database.

Mounts need root (CI runs as root); elsewhere these tests skip and say why.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from relhelpers import (
    Listening,
    assert_one_line_error,
    count,
    fill,
    integrity,
    read_only_view,
    resize,
    run_cli,
    send,
    snapshot,
    tmpfs,
    wait_read,
    wait_until,
)
from test_listen import Radio, now_utc
from trackgen import track_lines, write_track

RAW = "SELECT count(*) FROM raw_lines"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "disk", "2m") as disk:
        yield disk


def test_import_on_a_disk_that_fills_up_stops_plainly_and_resumes_when_there_is_room(
    small_disk: Path, tmp_path: Path
) -> None:
    log = write_track(tmp_path / "flight.log", 8000)  # 24,000 lines: needs more than 2 MB
    db = small_disk / "gs.db"
    result = run_cli(db, "import", str(log), timeout=60)
    assert_one_line_error(result, "the disk is full", "run it again")
    assert integrity(db) == "ok"
    resize(small_disk, "64m")
    again = run_cli(db, "import", str(log))
    assert again.returncode == 0, again.stderr
    clean = tmp_path / "clean.db"
    assert run_cli(clean, "import", str(log)).returncode == 0
    assert snapshot(db) == snapshot(clean)


def test_import_on_a_disk_that_is_already_full_says_the_disk_is_full(
    small_disk: Path, tmp_path: Path
) -> None:
    """Fails today: SQLite reports SQLITE_IOERR_SHMSIZE ("disk I/O error") when it cannot grow
    the -shm file on a full disk, and ``describe_error`` (store/database.py) turns that into
    "database error on ...: disk I/O error" instead of saying the disk is full."""
    db = small_disk / "gs.db"
    assert run_cli(db, "import", str(write_track(tmp_path / "a.log", 10))).returncode == 0
    fill(small_disk)
    result = run_cli(db, "import", str(write_track(tmp_path / "b.log", 10)), timeout=60)
    assert_one_line_error(result, "the disk is full")
    (small_disk / "filler").unlink()
    assert integrity(db) == "ok"


def test_listen_holds_lines_while_the_disk_is_full_and_stores_them_when_it_has_room(
    small_disk: Path, tmp_path: Path
) -> None:
    db = small_disk / "live.db"
    radio = Radio(tmp_path / "radio")
    listen = Listening(db, str(radio.link), "--tracker", "HAB1")
    lines = track_lines(300, start=now_utc())
    try:
        listen.wait_for(f"{radio.link}: open")
        send(radio, lines[:30])
        wait_until(lambda: count(db, RAW) == 30, "the first lines were not stored")
        filler = fill(small_disk)
        send(radio, lines[30:600])  # while the disk is full: held in memory
        listen.wait_for("the disk is full; holding the lines received")
        assert count(db, RAW) == 30
        send(radio, lines[600:750])  # still reading while the disk is full
        filler.unlink()
        listen.wait_for("database: writing again", timeout=15)
        wait_until(lambda: count(db, RAW) == 750, "the held lines were not all stored")
        send(radio, lines[750:])
        wait_until(lambda: count(db, RAW) == 900, "lines after the recovery were not stored")
    finally:
        code, out = listen.stop()
        radio.unplug()
    assert code == 0, listen.stderr
    assert out.startswith("Stopped: 900 lines stored, 300 fixes, 0 rejected"), out
    assert "Traceback" not in "".join(listen.stderr)
    assert integrity(db) == "ok"
    assert count(db, "SELECT count(DISTINCT line_no) FROM raw_lines WHERE status = 'ok'") == 900


def test_listen_stopped_while_the_disk_is_full_says_how_many_lines_it_could_not_store(
    small_disk: Path, tmp_path: Path
) -> None:
    db = small_disk / "live.db"
    radio = Radio(tmp_path / "radio")
    listen = Listening(db, str(radio.link))
    try:
        listen.wait_for(f"{radio.link}: open")
        send(radio, track_lines(10, start=now_utc()))
        wait_until(lambda: count(db, RAW) == 30, "the first lines were not stored")
        fill(small_disk)
        send(radio, track_lines(200, start=now_utc())[30:])  # 570 lines
        listen.wait_for("the disk is full; holding")
        wait_read(radio)
    finally:
        code, _ = listen.stop()
        radio.unplug()
    assert code == 1, listen.stderr
    listen.wait_for("Error: ")  # stderr is read by a thread: let it catch up
    errors = [line for line in listen.stderr if line.startswith("Error: ")]
    assert code == 1
    assert errors == [
        f"Error: cannot write to the database {db}: the disk is full;"
        " 570 lines received could not be stored\n"
    ], listen.stderr
    assert "Traceback" not in "".join(listen.stderr)
    (small_disk / "filler").unlink()
    assert integrity(db) == "ok" and count(db, RAW) == 30


def test_a_read_only_database_gives_one_plain_line_and_status_still_reads_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "gs.db"
    assert run_cli(db, "import", str(write_track(tmp_path / "a.log", 20))).returncode == 0
    before = snapshot(db)
    log = write_track(tmp_path / "b.log", 20, climb=4.0)
    with read_only_view(folder, tmp_path / "ro") as ro:
        ro_db = ro / "gs.db"
        # SQLite cannot create the -shm file next to a closed WAL database on a read-only
        # folder, so it reports "unable to open" rather than "read-only": both are plain
        for args in (("import", str(log)), ("listen", "loop://")):
            err = assert_one_line_error(run_cli(ro_db, *args, timeout=30), str(ro_db))
            assert "read-only" in err or "is writable" in err, err
        assert_one_line_error(run_cli(ro / "new.db", "import", str(log)), "cannot open")
        # status reads it when SQLite can (its -shm file exists), else says why in one line
        status = run_cli(ro_db, "status", "--json")
        if status.returncode == 0:
            assert json.loads(status.stdout)["sources"][0]["lines"] == 60
        else:
            assert_one_line_error(status, str(ro_db))
    assert integrity(db) == "ok"
    assert snapshot(db) == before


def test_a_database_locked_by_another_writer_gives_one_plain_line(tmp_path: Path) -> None:
    """The lock outlasts the busy timeout (lowered to 0.5 s in the child: see ``cli_argv``)."""
    db = tmp_path / "gs.db"
    assert run_cli(db, "import", str(write_track(tmp_path / "a.log", 20))).returncode == 0
    log = write_track(tmp_path / "b.log", 20, climb=4.0)
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        result = run_cli(db, "import", str(log), busy_timeout=0.5)
        assert_one_line_error(result, "locked by another program")
        status = run_cli(db, "status", busy_timeout=0.5)
        assert status.returncode == 0, status.stderr
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert integrity(db) == "ok"
    assert run_cli(db, "import", str(log)).returncode == 0
    assert count(db, RAW) == 120


def test_listen_holds_lines_while_another_writer_locks_the_database(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    radio = Radio(tmp_path / "radio")
    listen = Listening(db, str(radio.link), busy_timeout=0.3)
    lines = track_lines(100, start=now_utc())
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    try:
        listen.wait_for(f"{radio.link}: open")
        send(radio, lines[:60])
        wait_until(lambda: count(db, RAW) == 60, "the first lines were not stored")
        other.execute("BEGIN EXCLUSIVE")
        send(radio, lines[60:240])
        listen.wait_for("is locked by another program; holding the lines received")
        other.execute("ROLLBACK")
        listen.wait_for("database: writing again")
        wait_until(lambda: count(db, RAW) == 240, "the held lines were not all stored")
        send(radio, lines[240:])
        wait_until(lambda: count(db, RAW) == 300, "lines after the lock were not stored")
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()
        code, out = listen.stop()
        radio.unplug()
    assert code == 0, listen.stderr
    assert out.startswith("Stopped: 300 lines stored, 100 fixes, 0 rejected"), out
    assert integrity(db) == "ok"
