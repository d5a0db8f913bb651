from __future__ import annotations

import sqlite3
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from trackgen import START, write_track

from groundstation.cli import main
from groundstation.store.database import Store
from groundstation.store.queries import status
from groundstation.store.schema import MIGRATIONS, SCHEMA_VERSION


def rows(db: Path, sql: str) -> list[Any]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def snapshot(db: Path) -> dict[str, list[Any]]:
    """What a clean import must reproduce exactly (ids aside)."""
    return {
        "raw": rows(
            db, "SELECT line_no, text, status, reason, sentence FROM raw_lines ORDER BY line_no"
        ),
        "fixes": rows(
            db,
            "SELECT t.name, time, lat, lon, alt_m, speed_mps, course_deg, sats, hdop,"
            " quality, r.line_no FROM fixes f JOIN trackers t ON t.id = f.tracker_id"
            " JOIN raw_lines r ON r.id = f.raw_line_id ORDER BY time",
        ),
    }


def test_import_creates_the_documented_schema_in_wal_mode(
    cli: Any, db_path: Path, tmp_path: Path
) -> None:
    log = write_track(tmp_path / "flight.log", 20)
    result = cli("import", str(log))
    assert result.exit_code == 0, result.output
    assert "flight.log: 60 lines, 20 fixes, 0 rejected" in result.output
    assert rows(db_path, "PRAGMA journal_mode") == [("wal",)]
    assert rows(db_path, "PRAGMA page_size") == [(8192,)]  # (a bulk import's writer is faster)
    assert rows(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    tables = {r[0] for r in rows(db_path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"raw_lines", "fixes", "trackers", "sources", "telemetry", "link"} <= tables
    fix = rows(
        db_path,
        "SELECT time, lat, lon, alt_m, sats, quality, speed_mps FROM fixes ORDER BY time LIMIT 1",
    )
    assert fix == [("2024-06-01T10:00:00.000Z", 52.0, 0.1, 100.0, 9, 1, 5.2 * 1852 / 3600)]


def test_importing_the_same_file_twice_adds_nothing(
    cli: Any, db_path: Path, tmp_path: Path
) -> None:
    log = write_track(tmp_path / "flight.log", 50)
    assert cli("import", str(log)).exit_code == 0
    first = snapshot(db_path)
    again = cli("import", str(log))
    assert again.exit_code == 0 and "already imported, nothing added" in again.output
    renamed = tmp_path / "copy.log"
    renamed.write_bytes(log.read_bytes())
    assert "already imported" in cli("import", str(renamed)).output
    assert snapshot(db_path) == first
    assert len(first["raw"]) == 150 and len(first["fixes"]) == 50


def test_each_line_is_stored_under_its_source_and_line_number(
    cli: Any, db_path: Path, tmp_path: Path
) -> None:
    """Ok lines bind only their id (SQLite works out the source and line number from it),
    rejected lines bind every column: both must give the same columns."""
    first = write_track(tmp_path / "first.log", 2)
    second = tmp_path / "second.log"
    second.write_bytes(b"not nmea at all\r\n" + write_track(tmp_path / "t.log", 1).read_bytes())
    assert cli("import", str(first)).exit_code == 0
    assert cli("import", str(second)).exit_code == 0
    stored = rows(
        db_path,
        "SELECT s.name, r.line_no, r.status, r.reason IS NULL, r.id = (s.id << 40 | r.line_no)"
        " FROM raw_lines r JOIN sources s ON s.id = r.source_id ORDER BY r.id",
    )
    ok = [("first.log", n, "ok", 1, 1) for n in range(1, 7)]
    assert stored == ok + [("second.log", 1, "rejected", 0, 1)] + [
        ("second.log", n, "ok", 1, 1) for n in range(2, 5)
    ]


def test_stdin_imports_like_a_file(cli: Any, db_path: Path, tmp_path: Path) -> None:
    log = write_track(tmp_path / "flight.log", 10)
    result = cli("import", "-", input=log.read_bytes())
    assert result.exit_code == 0, result.output
    assert "stdin: 30 lines, 10 fixes, 0 rejected" in result.output
    assert rows(db_path, "SELECT name FROM trackers") == [("stdin",)]


def test_an_old_database_is_migrated_and_keeps_its_rows(db_path: Path) -> None:
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA page_size = 4096")  # (earlier releases kept SQLite's default)
    con.executescript(MIGRATIONS[0])
    con.execute("INSERT INTO trackers (name) VALUES ('old-balloon')")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    Store(db_path).close()
    assert rows(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert rows(db_path, "SELECT name FROM trackers") == [("old-balloon",)]
    assert rows(db_path, "PRAGMA page_size") == [(4096,)]
    assert rows(db_path, "SELECT count(*) FROM telemetry") == [(0,)]


def test_a_database_from_a_newer_release_is_refused_plainly(
    cli: Any, db_path: Path, tmp_path: Path
) -> None:
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    result = cli("import", str(write_track(tmp_path / "f.log", 2)))
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: the database has schema version 99; this release knows up to "
        f"{SCHEMA_VERSION}: upgrade groundstation"
    )


def test_a_live_line_is_readable_from_another_connection_within_a_batch_interval(
    db_path: Path,
) -> None:
    from datetime import UTC, datetime

    from groundstation.pipeline import LineIngest
    from groundstation.store.writer import BatchWriter

    store = Store(db_path)
    store.register_source("serial:/dev/test", "/dev/test", "serial")
    writer = BatchWriter(db_path, max_delay=0.1).start()
    ingest = LineIngest("serial:/dev/test", "balloon")
    lines = (tmp := db_path.parent / "t.log") and write_track(tmp, 1).read_bytes()
    writer.put(ingest.feed(lines, datetime(2024, 6, 1, 10, 0, 1, tzinfo=UTC)))
    deadline = time.monotonic() + 10
    while not rows(db_path, "SELECT count(*) FROM fixes")[0][0]:
        assert time.monotonic() < deadline, "the fix never became visible"
        time.sleep(0.01)
    writer.close()
    store.close()


def _release_3_database(path: Path) -> None:
    """A database as release 3 left it: two trackers' ok and rejected lines, and a rejected line
    of no tracker, indexed by (tracker_id, status)."""
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        con.executescript(script)
    con.execute("PRAGMA user_version = 3")
    con.execute(
        "INSERT INTO sources (key, name, kind, created_at)"
        " VALUES ('file:a', 'a.log', 'file', '2024-06-01T10:00:00.000Z')"
    )
    con.executemany("INSERT INTO trackers (name) VALUES (?)", [("HAB-1",), ("HAB-2",)])
    lines = [  # (status, reason, tracker id)
        ("ok", None, 1), ("rejected", "bad checksum", 1), ("ok", None, 2),
        ("rejected", "implausible altitude: 70000 m", 1),
        ("rejected", "implausible altitude: 80000 m", 1), ("rejected", "bad checksum", 2),
        ("rejected", "not an NMEA sentence", None), ("ok", None, 1),
    ]  # fmt: skip
    con.executemany(
        "INSERT INTO raw_lines VALUES (?, 1, ?, '2024-06-01T10:00:00.000Z', ?, ?, ?, NULL, ?)",
        [((1 << 40) | n, n, f"line {n}", *line) for n, line in enumerate(lines, start=1)],
    )
    con.commit()
    con.close()


def test_a_release_3_database_gets_the_rejected_lines_index_and_keeps_its_counts(
    db_path: Path,
) -> None:
    _release_3_database(db_path)
    before = rows(db_path, "SELECT * FROM raw_lines ORDER BY id")
    Store(db_path).close()
    assert rows(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert rows(db_path, "SELECT * FROM raw_lines ORDER BY id") == before
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'raw_lines'"
    assert rows(db_path, indexes) == [("raw_lines_rejected",)]
    store = Store(db_path, readonly=True)
    result = status(store)
    store.close()
    (source,) = result["sources"]
    assert (source["lines"], source["ok"], source["rejected"]) == (8, 3, 5)
    assert source["rejects_by_reason"] == {
        "bad checksum": 2, "implausible altitude": 2, "not an NMEA sentence": 1,
    }  # fmt: skip
    trackers = {t["name"]: (t["lines"], t["rejected"], t["rejects_by_reason"])
                for t in result["trackers"]}  # fmt: skip
    assert trackers == {
        "HAB-1": (5, 3, {"implausible altitude": 2, "bad checksum": 1}),
        "HAB-2": (2, 1, {"bad checksum": 1}),
    }


def test_a_release_4_database_gets_the_link_faults_index_and_keeps_its_counts(
    db_path: Path,
) -> None:
    con = sqlite3.connect(db_path)
    for script in MIGRATIONS[:4]:
        con.executescript(script)
    con.execute("PRAGMA user_version = 4")
    con.executemany("INSERT INTO trackers (name) VALUES (?)", [("HAB-1",), ("HAB-2",)])
    links = [  # (tracker id, crc_ok, lost_before, rssi)
        (1, 1, 0, None), (1, None, 0, -90.0), (1, 0, 0, None), (1, 1, 3, None),
        (2, 1, 0, None), (2, 1, 2, None), (2, 0, 1, None), (2, 0, 0, None), (2, None, 0, -80.0),
    ]  # fmt: skip
    con.executemany(
        "INSERT INTO link (tracker_id, received_at, seq, crc_ok, lost_before, rssi_dbm,"
        " raw_line_id) VALUES (?, '2024-06-01T10:00:00.000Z', 1, ?, ?, ?, ?)",
        [(*link, n) for n, link in enumerate(links, start=1)],
    )
    con.commit()
    con.close()
    before = rows(db_path, "SELECT * FROM link ORDER BY id")
    Store(db_path).close()
    assert rows(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert rows(db_path, "SELECT * FROM link ORDER BY id") == before
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'link'"
    assert sorted(rows(db_path, indexes)) == [("link_faults",), ("sqlite_autoindex_link_1",)]
    store = Store(db_path, readonly=True)
    trackers = {t["name"]: (t["packets_lost"], t["bad_crc"]) for t in status(store)["trackers"]}
    store.close()
    assert trackers == {"HAB-1": (3, 1), "HAB-2": (3, 2)}


def test_status_counts_every_loss_and_bad_crc_of_a_noisy_link(tmp_path: Path) -> None:
    """status reads only the link faults (through their partial index): its counts must be the
    counts of every link row, over the noisy sample log's two trackers."""
    from paths import SAMPLE_LOGS

    db = tmp_path / "noisy.db"
    result = CliRunner().invoke(
        main, ["--db", str(db), "import", str(SAMPLE_LOGS / "noisy-link-habp.log")]
    )
    assert result.exit_code == 0, result.output
    every_row = rows(
        db,
        "SELECT t.name, sum(l.lost_before), sum(l.crc_ok = 0) FROM link l"
        " JOIN trackers t ON t.id = l.tracker_id GROUP BY t.name ORDER BY t.name",
    )
    store = Store(db, readonly=True)
    found = [(t["name"], t["packets_lost"], t["bad_crc"]) for t in status(store)["trackers"]]
    store.close()
    assert [t for t in found if t[1] or t[2]] == every_row
    assert len(every_row) == 2 and all(lost > 10 and bad > 0 for _, lost, bad in every_row)


def _steps(store: Store, every: int) -> list[int]:
    """Count the SQLite VM steps ``store`` runs from now on, in ``every``s (the one item of the
    list returned): work counted, so free of the timing noise of a shared machine."""
    steps = [0]

    def step() -> int:
        steps[0] += 1
        return 0

    store.conn.set_progress_handler(step, every)
    return steps


def _status_work(db: Path) -> int:
    """The work ``status`` does, in thousands of SQLite VM steps."""
    store = Store(db, readonly=True)
    steps = _steps(store, 1000)
    status(store)
    store.close()
    return steps[0]


def _imported(db: Path, *logs: tuple[Path, str]) -> Path:
    """``db`` with each log imported as the given tracker's."""
    for log, tracker in logs:
        result = CliRunner().invoke(
            main, ["--db", str(db), "import", str(log), "--tracker", tracker]
        )
        assert result.exit_code == 0, result.output
    return db


def test_status_reads_the_lines_once_however_many_trackers_share_them(tmp_path: Path) -> None:
    """Lines per tracker are counted in one pass: with no index on every line's tracker, a count
    per tracker would read the whole table once per tracker."""
    one = _imported(tmp_path / "one.db", (write_track(tmp_path / "one.log", 2400), "HAB"))
    many = _imported(tmp_path / "many.db", *(
        (write_track(tmp_path / f"{n}.log", 300, start=START + timedelta(hours=n)), f"HAB-{n}")
        for n in range(8)
    ))  # fmt: skip
    lines = "SELECT count(*) FROM raw_lines"
    assert rows(one, lines) == rows(many, lines) == [(7200,)]
    assert _status_work(many) < 1.3 * _status_work(one)  # a pass per tracker: 1.7 times


def test_raw_lines_stored_in_runs_are_the_rows_the_full_insert_stores(tmp_path: Path) -> None:
    """The writer stores most ok lines as runs (one JSON array of texts, SQLite working out
    ids, line numbers and sentences) or with a 5-value insert: every column must come out as
    the 9-value insert of each line gives it, over every sample log and the corpus."""
    from datetime import UTC, datetime

    from paths import CORPUS, SAMPLE_LOGS

    from groundstation.models import Decoded, RawLine
    from groundstation.pipeline import LineIngest
    from groundstation.store.database import Rows, to_rows

    when = datetime(2024, 6, 1, 12, tzinfo=UTC)
    decoded = []
    for n, path in enumerate(sorted(SAMPLE_LOGS.glob("*.log")) + sorted(CORPUS.glob("*/*.log"))):
        ingest = LineIngest(f"file:{n}", "DEFAULT", live_clock=False)
        decoded += ingest.feed(path.read_bytes(), when) + ingest.finish(when)
    # The writer stores whatever sentence it is told: one unlike the line's address, as long;
    # and whatever text a decoder took (a NUL would end a JSON text early in SQLite).
    # And texts a run's JSON array must escape: quotes, backslashes, controls, beyond ASCII.
    texts = [b"$GPGGA,1*00", b"$XPGGA,1*00", b"$GPGGA,1*00", b'$GPGGA,\x00,\xe9"\\*00', b"$GPGGA,2",
             b'$GPGGA,\xe9"\\\t\x01\x7f","\\u0041*00']  # fmt: skip
    odd = [
        Decoded(RawLine("file:odd", n, when, text, False), "ok", None, "GPGGA", "T")
        for n, text in enumerate(texts, start=1)
    ]
    decoded += odd  # fmt: skip
    # Lines of many trackers taking turns, each a run of its own that the writer joins with the
    # next: tracker ids of one and two digits in one statement.
    decoded += [
        Decoded(RawLine("file:many", n, when, b"$GPGGA,%d*00" % n, False), "ok", None, "GPGGA",
                f"T{n % 12}")
        for n in range(1, 40)
    ]  # fmt: skip
    stores = {name: Store(tmp_path / f"{name}.db") for name in ("runs", "full")}
    keys = {d.raw.source for d in decoded}
    for store in stores.values():
        for key in sorted(keys):
            store.register_source(key, key, "file")
    made = to_rows(decoded, stores["runs"].source_id)
    assert len(made.runs) > 20 and len(made.ok) > 0  # both short ways are taken
    assert sum(len(run[3]) for run in made.runs) > len(decoded) / 2
    stores["runs"].write_rows([made])
    full = to_rows(decoded, stores["full"].source_id)  # its records; each line written whole:
    every = Rows(lines=full.lines, trackers=full.trackers, fixes=full.fixes)
    for d in decoded:
        sid = stores["full"].source_id(d.raw.source)
        every.rejected.append(
            ((sid << 40) | d.raw.line_no, sid, d.raw.line_no, made.runs[0][1],
             d.raw.data.decode("latin-1"), d.status, d.reason, d.sentence,
             None if d.tracker is None else full.trackers[d.tracker])
        )  # fmt: skip
    stores["full"].write_rows([every])
    for store in stores.values():
        store.close()
    query = "SELECT r.*, t.name FROM raw_lines r LEFT JOIN trackers t ON t.id = r.tracker_id"
    runs, full_rows = (rows(tmp_path / f"{n}.db", f"{query} ORDER BY r.id") for n in stores)
    assert len(runs) == len(decoded)
    assert runs == full_rows
    assert len({row[-1] for row in runs}) > 12  # (trackers' names: ids up to two digits)


def test_rows_stored_many_to_a_statement_are_the_rows_stored_one_at_a_time(
    tmp_path: Path,
) -> None:
    """The writer inserts fixes, telemetry, links and station fixes up to 64 rows to a
    statement: every table must come out as one statement a row gives it, over every sample
    log and the corpus, and with fixes of one epoch met again in the same statement and in
    later ones (each fills only what the first left empty)."""
    from dataclasses import fields
    from datetime import UTC, datetime

    from paths import CORPUS, SAMPLE_LOGS

    from groundstation.pipeline import LineIngest
    from groundstation.store.database import Rows, to_rows

    when = datetime(2024, 6, 1, 12, tzinfo=UTC)
    decoded = []
    for n, path in enumerate(sorted(SAMPLE_LOGS.glob("*.log")) + sorted(CORPUS.glob("*/*.log"))):
        ingest = LineIngest(f"file:{n}", "DEFAULT", live_clock=False)
        decoded += ingest.feed(path.read_bytes(), when) + ingest.finish(when)
    station = LineIngest("station", "STATION", live_clock=False, station=True)  # a chase car
    decoded += station.feed((SAMPLE_LOGS / "clean-nmea.log").read_bytes(), when)
    stores = {name: Store(tmp_path / f"{name}.db") for name in ("many", "one")}
    for store in stores.values():
        for key in sorted({d.raw.source for d in decoded}):
            store.register_source(key, key, "file")
    made = to_rows(decoded, stores["many"].source_id)
    assert len(made.fixes) > 1000 and len(made.telemetry) > 64 and len(made.links) > 64
    assert len(made.station) > 64
    # Epochs met again: the next row (same statement), 100 rows on (a later one); with the
    # first's gaps filled in, and its values the second's to keep.
    for at in (10, 500, 1000):
        again = list(made.fixes[at])
        again[4:10] = [1234.5, 9.5, 99.0, 12, 0.7, 2]  # alt, speed, course, sats, hdop, quality
        made.fixes.insert(at + 1, again)
        made.fixes.insert(at + 100, list(again))
    made.fixes[10][5] = None  # a gap the later row fills
    stores["many"].write_rows([made])
    tables = [f.name for f in fields(Rows) if f.name in ("fixes", "telemetry", "links", "station")]
    for table in tables:
        for row in getattr(made, table):
            one = Rows(lines=1, trackers=made.trackers)
            setattr(one, table, [row])
            stores["one"].write_rows([one])
    for store in stores.values():
        store.close()
    for table in ("fixes", "telemetry", "link", "station_fixes"):
        many, one = (
            rows(tmp_path / f"{n}.db", f"SELECT * FROM {table} ORDER BY id") for n in stores
        )
        assert len(many) > 0
        assert many == one, table
    merged = rows(tmp_path / "many.db", "SELECT speed_mps, sats FROM fixes ORDER BY id")
    assert merged[10] == (9.5, made.fixes[10][7])  # the gap filled, the first's sats kept


def test_rows_renumbered_for_one_database_are_stored_as_made_in_the_next(tmp_path: Path) -> None:
    """Rows give a new tracker the id the writer is expected to give it; a database that gave
    that id to another tracker gets them renumbered, and the rows themselves stay as they were
    (a part that failed to be stored is stored again, perhaps after other trackers came)."""
    from groundstation.pipeline import LineIngest
    from groundstation.store.database import TrackerIds, to_rows

    log = write_track(tmp_path / "f.log", 5)
    ingest = LineIngest("file:f", "HAB", live_clock=False)
    decoded = ingest.feed(log.read_bytes(), START) + ingest.finish(START)
    stores = [Store(tmp_path / f"{name}.db") for name in ("other", "fresh")]
    stores[0].conn.execute("INSERT INTO trackers (name) VALUES ('Z')")  # (it takes id 1)
    for store in stores:
        store.register_source("file:f", "f.log", "file")
    made = to_rows(decoded, stores[0].source_id, TrackerIds({}, 1))
    assert made.trackers == {"HAB": 1} and len(made.fixes) == 5
    for store, hab in zip(stores, (2, 1), strict=True):
        store.write_rows([made])
        named = "SELECT DISTINCT t.id, t.name FROM {} x JOIN trackers t ON t.id = x.tracker_id"
        for table in ("raw_lines", "fixes"):
            assert store.query(named.format(table)) == [{"id": hab, "name": "HAB"}]
        store.close()


def _links(db: Path) -> list[tuple[object, ...]]:
    """The link table, each row with its tracker's name and its line's text, in line order."""
    return rows(
        db,
        "SELECT t.name, l.seq, l.rssi_dbm, l.snr_db, l.freq_error_hz, l.crc_ok, l.lost_before,"
        " r.text FROM link l JOIN trackers t ON t.id = l.tracker_id"
        " JOIN raw_lines r ON r.id = l.raw_line_id ORDER BY l.raw_line_id",
    )


def test_a_packet_and_the_radio_report_on_it_make_one_link_row(cli: Any, db_path: Path) -> None:
    """A clean emulated flight: every packet has one link row, on its end line, with its CRC
    verdict and the receiver's measurements from the radio line after it."""
    from test_packet_route import emulated

    data = emulated(seed=5, size=60_000)
    data = data[: data.index(b"\n", data.rfind(b"$PHABR")) + 1]  # (ends with a whole packet)
    log = db_path.parent / "flight.log"
    log.write_bytes(data)
    assert cli("import", str(log)).exit_code == 0
    links = _links(db_path)
    ((packets,),) = rows(db_path, "SELECT count(*) FROM telemetry")
    assert len(links) == packets == data.count(b"$PHABR") > 50
    assert all(
        str(text).startswith("$PHABE") and crc == 1 and None not in (rssi, snr)
        for _, _, rssi, snr, _, crc, _, text in links
    )


def test_a_radio_report_on_another_packet_has_a_row_of_its_own(tmp_path: Path) -> None:
    from test_row_route import odd_packet

    from groundstation.pipeline import LineIngest
    from groundstation.store.database import to_rows

    data = (
        odd_packet(1, {}) + odd_packet(2, {"radio_callsign": "TWO"})
        + odd_packet(3, {"radio_seq": "9"}) + odd_packet(4, {})
    )  # fmt: skip
    ingest = LineIngest("file:odd", "ODD", live_clock=False)
    decoded = ingest.feed(data, START) + ingest.finish(START)
    store = Store(tmp_path / "odd.db")
    store.register_source("file:odd", "odd.log", "file")
    store.write_rows([to_rows(decoded, store.source_id, store.row_tracker_ids())])
    store.close()
    found = [(name, seq, rssi, crc) for name, seq, rssi, _, _, crc, _, _ in _links(store.path)]
    assert found == [
        ("ONE", 1, -28.8, 1),
        ("ONE", 2, None, 1), ("TWO", 2, -28.8, None),  # another tracker's report
        ("ONE", 3, None, 1), ("ONE", 9, -28.8, None),  # a report on another packet
        ("ONE", 4, -28.8, 1),
    ]  # fmt: skip


def test_a_radio_report_stored_after_its_packet_goes_into_the_packets_row(
    tmp_path: Path,
) -> None:
    """Wherever the lines are cut into batches (a live port's, an import's chunks), the link
    table comes out the same: a radio report whose packet went in an earlier batch goes into
    that packet's row (in SQL), and storing the lines again changes nothing."""
    from test_packet_route import emulated

    from groundstation.pipeline import LineIngest
    from groundstation.store.database import to_rows

    ingest = LineIngest("file:f", "F", live_clock=False)
    decoded = ingest.feed(emulated(seed=5, size=30_000), START) + ingest.finish(START)
    cuts = [i for i, d in enumerate(decoded) if d.sentence == "PHABR"][1:40:6]
    pieces = [decoded[a:b] for a, b in zip([0, *cuts], [*cuts, len(decoded)], strict=True)]
    stores = {name: Store(tmp_path / f"{name}.db") for name in ("whole", "cut")}
    for store in stores.values():
        store.register_source("file:f", "f.log", "file")
    whole = stores["whole"]
    whole.write_rows([to_rows(decoded, whole.source_id, whole.row_tracker_ids())])
    cut = stores["cut"]
    for _ in range(2):  # (the second time adds nothing)
        for piece in pieces:
            made = to_rows(piece, cut.source_id, cut.row_tracker_ids())
            cut.write_rows([made])
        assert len(made.radio) == 1  # (the report starting the last piece, in SQL)
        assert _links(cut.path) == _links(whole.path)
    links = _links(whole.path)
    assert len(cuts) >= 5 and len(links) == sum(d.sentence == "PHABT" for d in decoded)
    for store in stores.values():
        store.close()


def test_the_live_view_following_a_database_reads_only_its_rejected_lines(tmp_path: Path) -> None:
    """``live`` with no port follows a database another process writes. Its poll for rejected
    lines hands on each of them once, and reads only them: reading every line after the last
    reject would read a whole clean import again every half second."""
    from groundstation.tui.inbox import Inbox
    from groundstation.tui.sources import FollowSource

    def db_with(epochs: int, name: str) -> Path:
        log = write_track(tmp_path / f"{name}.log", epochs)
        broken = b"$GPGGA,broken*00\r\n" * 3  # 3 lines with a wrong checksum, first
        log.write_bytes(broken + log.read_bytes())
        return _imported(tmp_path / f"{name}.db", (log, "HAB"))

    def follow(db: Path) -> tuple[list[str], int]:
        source, inbox = FollowSource(db), Inbox()
        source._inbox = inbox
        store = Store(db, readonly=True)
        while source.poll(store):
            pass
        steps = _steps(store, 100)
        assert not source.poll(store)  # nothing new: the work of one idle poll
        store.close()
        batches, _ = inbox.take()
        rejects = [d.reason or "" for _, batch in batches for d in batch if d.status != "ok"]
        return rejects, steps[0]

    small_rejects, small_steps = follow(db_with(200, "small"))
    big_rejects, big_steps = follow(db_with(4000, "big"))
    assert small_rejects == big_rejects == ["bad checksum"] * 3
    assert big_steps < 2 * small_steps + 20  # reading every line: about 20 times as much


def test_the_live_view_following_a_database_shows_each_sources_later_rejects(
    tmp_path: Path,
) -> None:
    """Raw line ids are a source's number, then its line number: a reject a lower-numbered
    source stores after a higher-numbered source's must still reach the live view."""
    from datetime import UTC, datetime

    from groundstation.models import Decoded, RawLine
    from groundstation.tui.inbox import Inbox
    from groundstation.tui.sources import FollowSource

    db = tmp_path / "two.db"
    for n, name in enumerate(("first", "second")):
        log = write_track(tmp_path / f"{name}.log", 20, start=START + timedelta(hours=n))
        log.write_bytes(log.read_bytes() + b"$GPGGA,broken*00\r\n")
        _imported(db, (log, name))
    source, inbox = FollowSource(db), Inbox()
    source._inbox = inbox

    def rejects() -> list[str]:
        reader = Store(db, readonly=True)
        while source.poll(reader):
            pass
        reader.close()
        return [d.reason or "" for _, b in inbox.take()[0] for d in b if d.status != "ok"]

    assert rejects() == ["bad checksum"] * 2
    writer = Store(db)
    (key, last) = rows(db, "SELECT key, max(line_no) FROM sources JOIN raw_lines r"
                           " ON r.source_id = sources.id WHERE sources.id = 1")[0]  # fmt: skip
    late = RawLine(key, last + 1, datetime.now(UTC), b"$GPGGA,late*00", live_clock=False)
    writer.write([Decoded(late, "rejected", "bad checksum: late")])
    writer.close()
    assert rejects() == ["bad checksum: late"]
