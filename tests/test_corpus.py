"""Every capture in gpsd's regression corpus: nothing lost, and our fixes agree with gpsd's."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from groundstation.ingest import import_file, open_store
from groundstation.pipeline import Pipeline
from groundstation.store.writer import BatchWriter


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> tuple[Path, list[Path]]:
    db = tmp_path_factory.mktemp("corpus") / "corpus.db"
    logs = sorted((corpus / "gpsd").glob("*.log"))
    store = open_store(db)
    writer = BatchWriter(db).start()
    pipeline = Pipeline(writer)
    for log in logs:
        import_file(pipeline, store, log)
    writer.close()
    store.close()
    return db, logs


def _lines(path: Path) -> list[bytes]:
    """The lines a receiver sent, split the way any reader would: at CR or LF."""
    data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return [line for line in data.split(b"\n") if line]


def _query(db: Path, sql: str, *params: Any) -> list[Any]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_every_byte_of_every_capture_is_stored_as_a_line(imported: tuple[Path, list[Path]]) -> None:
    db, logs = imported
    assert len(logs) >= 35
    for log in logs:
        stored = _query(
            db,
            "SELECT text FROM raw_lines r JOIN sources s ON s.id = r.source_id"
            " WHERE s.name = ? ORDER BY line_no",
            log.name,
        )
        text = b"".join(row[0].encode("latin-1") for row in stored)
        original = log.read_bytes().replace(b"\r", b"").replace(b"\n", b"")
        assert text == original, f"{log.name}: stored lines differ from the capture"
        # every line that is not gpsd's comment header is decoded or rejected with a reason
        unexplained = _query(
            db,
            "SELECT count(*) FROM raw_lines r JOIN sources s ON s.id = r.source_id WHERE s.name = ?"
            " AND NOT ((status = 'ok' AND reason IS NULL)"
            " OR (status = 'rejected' AND reason != ''))",
            log.name,
        )
        assert unexplained == [(0,)]
        assert len(stored) >= len(_lines(log)), log.name


def test_the_troublesome_captures_are_handled_as_their_trouble_requires(
    imported: tuple[Path, list[Path]],
) -> None:
    db, _ = imported

    def reasons(name: str) -> dict[str, int]:
        return dict(
            _query(
                db,
                "SELECT reason, count(*) FROM raw_lines r JOIN sources s ON"
                " s.id = r.source_id WHERE s.name = ? AND status = 'rejected' GROUP BY reason",
                name,
            )
        )

    def fixes(name: str) -> int:
        return int(
            _query(
                db,
                "SELECT count(*) FROM fixes f JOIN trackers t ON t.id = f.tracker_id"
                " WHERE t.name = ?",
                name,
            )[0][0]
        )

    assert reasons("hp58534a.log").get("no checksum", 0) >= 5 and fixes("hp58534a.log") == 0
    assert "NUL bytes in line" in reasons("gp-320fw-2019-04-07-coldboot.log")
    assert fixes("st-teseo-liv4f.log") > 0  # doubled $$ sentences decode
    assert fixes("triton400.log") > 0 and "no checksum" in reasons(
        "triton400.log"
    )  # the cut-off part
    assert "non-ASCII or control bytes in line" in reasons("ublox8-uniqid-monhw.log")
    april = _query(
        db,
        "SELECT DISTINCT substr(time, 1, 10) FROM fixes f JOIN trackers t ON"
        " t.id = f.tracker_id WHERE t.name = 'april6_2019.log'",
    )
    assert april == [("2019-04-07",)]  # the GPS week rollover is undone


def _tpvs(chk: Path) -> dict[str, list[dict[str, Any]]]:
    by_time: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in chk.read_text(encoding="latin-1").splitlines():
        if line.startswith('{"class":"TPV"'):
            tpv = json.loads(line)
            if "time" in tpv and "lat" in tpv and tpv.get("mode", 0) >= 2:
                by_time[tpv["time"][11:]].append(
                    tpv
                )  # time of day: gpsd's own date guess can differ
    return by_time


def test_our_fixes_agree_with_gpsd(imported: tuple[Path, list[Path]]) -> None:
    db, logs = imported
    compared = 0
    for log in logs:
        tpvs = _tpvs(log.with_name(log.name + ".chk"))
        ours = _query(
            db,
            "SELECT time, lat, lon, alt_m FROM fixes f JOIN trackers t ON"
            " t.id = f.tracker_id WHERE t.name = ?",
            log.name,
        )
        matched_times = set()
        for time, lat, lon, alt in ours:
            same_time = tpvs.get(time[11:])
            if not same_time:
                continue
            matched_times.add(time[11:])
            compared += 1
            assert any(
                abs(t["lat"] - lat) <= 1e-6 and abs(t["lon"] - lon) <= 1e-6 for t in same_time
            ), f"{log.name} {time}: {lat},{lon} vs gpsd {[(t['lat'], t['lon']) for t in same_time]}"
            gpsd_alts = [t.get("altMSL", t.get("alt")) for t in same_time]
            gpsd_alts = [a for a in gpsd_alts if a is not None]
            if alt is not None and gpsd_alts:
                assert any(abs(a - alt) <= 0.1 for a in gpsd_alts), (
                    f"{log.name} {time}: {alt} vs {gpsd_alts}"
                )
        if tpvs:  # we find (nearly) every position gpsd found, apart from ones we reject on purpose
            missing = set(tpvs) - matched_times
            assert len(missing) <= max(2, len(tpvs) // 4), (
                f"{log.name}: no fix for gpsd times {sorted(missing)[:5]}"
            )
    assert compared > 1000
