"""A big file is decoded in a second process; the database must be the one an in-process import
gives, row for row (apart from the wall-clock columns)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from firmware_protocol.emulator import SimulationConfig, simulate
from groundstation import ingest, worker
from groundstation.ingest import import_file, open_store
from groundstation.pipeline import Pipeline
from groundstation.sources.files import SourceError
from groundstation.store.writer import BatchWriter

WALL_CLOCK = {("sources", "created_at"), ("raw_lines", "received_at"), ("link", "received_at")}


def _tables(db: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(db)
    out = {}
    names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    for (table,) in names.fetchall():
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        kept = ", ".join(c for c in columns if (table, c) not in WALL_CLOCK)
        out[table] = conn.execute(f"SELECT {kept} FROM {table} ORDER BY rowid").fetchall()
    conn.close()
    return out


def _import(db: Path, log: Path) -> str:
    store = open_store(db)
    writer = BatchWriter(db, hold_on_error=False, max_delay=0.2, max_queue=4).start()
    try:
        result = import_file(Pipeline(writer), store, log)
    finally:
        writer.close()
        store.close()
    assert writer.error is None
    return result.counts.summary()


@pytest.fixture(scope="module")
def faulty_flight(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = SimulationConfig(
        trackers=3, seed=21, interval=1.0, loss=0.03, bit_errors=0.001, truncate=0.05, noise=0.05
    )
    path = tmp_path_factory.mktemp("flight") / "faulty.log"
    path.write_bytes(b"".join(chunk for _, chunk in simulate(config)))
    return path


def test_worker_import_gives_the_same_database(
    faulty_flight: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 1 << 60)  # in this process
    here = _import(tmp_path / "here.db", faulty_flight)
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)  # in a second process
    there = _import(tmp_path / "there.db", faulty_flight)
    assert here == there
    tables = _tables(tmp_path / "here.db")
    assert len(tables["raw_lines"]) > 10_000 and tables["fixes"] and tables["link"]
    assert tables == _tables(tmp_path / "there.db")
    _import(tmp_path / "there.db", faulty_flight)  # a second import adds nothing
    assert tables == _tables(tmp_path / "there.db")


def test_a_worker_that_dies_starting_up_is_reported_plainly(
    faulty_flight: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decoding process starts while the file is hashed; if it is gone by the time it gets
    its job (a broken install, no memory), the user is told it failed and how it ended, not of
    a broken pipe."""
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(worker, "_WORKER_MAIN", "import sys; sys.exit(7)")
    real_key = ingest.file_key

    def slow_key(path: Path) -> str:
        time.sleep(0.5)  # the worker has ended before its job is sent
        return real_key(path)

    monkeypatch.setattr(ingest, "file_key", slow_key)
    with pytest.raises(SourceError, match=r"decoding process ended with 7\)$"):
        _import(tmp_path / "dead.db", faulty_flight)


def test_the_worker_runs_this_code_whatever_folder_the_import_runs_in(
    faulty_flight: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Importing from a folder that holds another ``groundstation`` (an old checkout, say)
    must not decode with that one: the decoding process imports what the command runs."""
    decoy = tmp_path / "elsewhere" / "groundstation"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise SystemExit(99)  # not the ground station\n")
    monkeypatch.chdir(decoy.parent)
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 1 << 60)
    here = _import(tmp_path / "here.db", faulty_flight)
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)
    assert _import(tmp_path / "there.db", faulty_flight) == here


def _rows_by_tracker_name(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Each table that names trackers, as (tracker name, raw line id) in row order."""
    conn = sqlite3.connect(db)
    out = {
        table: conn.execute(
            f"SELECT t.name, x.{line} FROM {table} x LEFT JOIN trackers t ON t.id = x.tracker_id"
            " ORDER BY x.rowid"
        ).fetchall()
        for table, line in (
            ("raw_lines", "id"), ("fixes", "raw_line_id"), ("telemetry", "raw_line_id"),
            ("link", "raw_line_id"),
        )
    }  # fmt: skip
    conn.close()
    return out


def test_a_tracker_added_by_another_writer_during_an_import_takes_none_of_its_rows(
    faulty_flight: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decoding process gives a tracker new to the database the id the writer will give it;
    when another writer takes that id first, the rows must still name the right trackers."""
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 1 << 60)
    _import(tmp_path / "here.db", faulty_flight)
    real = ingest._import_in_worker

    def after_another_writer(*args: object, **kwargs: object) -> bool:
        other = sqlite3.connect(tmp_path / "there.db")  # (the job has the trackers by now)
        other.execute("INSERT INTO trackers (name) VALUES ('INTRUDER')")
        other.commit()
        other.close()
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "_import_in_worker", after_another_writer)
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)
    _import(tmp_path / "there.db", faulty_flight)
    here, there = (
        _rows_by_tracker_name(tmp_path / "here.db"),
        _rows_by_tracker_name(tmp_path / "there.db"),
    )
    for rows in there.values():
        names = {name for name, _ in rows}
        assert {"EMU1", "EMU2", "EMU3"} <= names and "INTRUDER" not in names
    assert here == there
    ids = sqlite3.connect(tmp_path / "there.db").execute("SELECT name FROM trackers ORDER BY id")
    assert ids.fetchone() == ("INTRUDER",)  # (it took the id the first tracker was given)


def test_the_import_command_starts_its_decoding_process_first_and_ends_it(
    faulty_flight: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`groundstation import` starts the decoding process of a big file before its own imports
    and hands it to the import (no second one); when the file needs none after all (it was
    imported already), the process is ended, not left behind."""
    from groundstation.cli import run

    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)  # (the test flight is under 4 MB)
    started: list[subprocess.Popen[bytes]] = []
    real_start = worker.start

    def counted() -> subprocess.Popen[bytes]:
        started.append(real_start())
        return started[-1]

    monkeypatch.setattr(worker, "start", counted)  # (the command's and any the import starts)
    db = tmp_path / "cli.db"
    for _ in range(2):  # (the second time: already imported)
        with pytest.raises(SystemExit) as done:
            run(["--db", str(db), "import", str(faulty_flight)])
        assert done.value.code == 0
    assert len(started) == 2 and all(proc.poll() is not None for proc in started)  # one each
    here = tmp_path / "here.db"
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 1 << 60)
    _import(here, faulty_flight)
    assert _tables(db) == _tables(here)


def test_the_decoding_process_loads_no_flight_analysis_but_geometry() -> None:
    """The decoding process starts before an import can decode a line; of the flight analysis
    it needs only the geometry (the plausibility check's distances), and loading the rest of
    that package took ~15 % of its start-up. Every name of the package is still there when
    asked for."""
    code = (
        "import sys\n"
        "from groundstation.ingest import decode_worker\n"
        "heavy = [n for n in sys.modules if n.startswith('groundstation.flight.')]\n"
        "assert heavy == ['groundstation.flight.geo'], heavy\n"
        "import groundstation.flight as flight\n"
        "from groundstation.flight.flights import split_flights\n"
        "assert flight.split_flights is split_flights\n"
        "assert all(getattr(flight, name) is not None for name in flight.__all__)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_writer_of_a_bulk_import_does_not_load_numpy_until_it_decodes() -> None:
    """The importing process sends the decoding process its job once it has opened the
    database; numpy (~50 ms to load), which only decoding needs, is loaded on the first chunk
    decoded, and a chunk's checksums are the same for it."""
    code = (
        "import sys\n"
        "from groundstation.ingest import import_file\n"
        "from groundstation.store.database import Store\n"
        "assert 'numpy' not in sys.modules\n"
        "from groundstation.decoding.fastpath import unsealed_starts\n"
        "assert unsealed_starts(b'$GPGGA,1*00\\r\\n$GPTXT,1*52\\n') == [0]\n"
        "assert 'numpy' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
