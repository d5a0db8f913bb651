"""Opening the database and writing batches of decoded lines into it.

One writer per process commits whole batches in ``BEGIN IMMEDIATE`` transactions; SQLite's WAL
mode lets any number of readers (the TUI, ``status``, Datasette) read while it writes. A kill or
power cut loses at most the batch in flight, never the file.

Ingest is idempotent: a raw line is keyed by (source, line number) and inserted with
``OR IGNORE``; a fix is keyed by (tracker, time) and merged, first value wins; telemetry, link and
station rows are keyed by their raw line. Importing the same log twice, or finishing an import
that was killed, leaves the database a clean import gives.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from groundstation.models import Decoded, Fix, LinkQuality, StationFix, Telemetry
from groundstation.store.schema import LINE_BITS, migrate

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0


class StoreError(Exception):
    """The database cannot be opened or written; the message is meant for the user."""


def iso(dt: datetime) -> str:
    """UTC ISO 8601 with milliseconds and a Z: sorts as text, reads as a time."""
    if dt.tzinfo is not None and dt.utcoffset():
        dt = dt.astimezone(UTC)
    return dt.isoformat(timespec="milliseconds")[:23] + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: int
    key: str
    name: str
    kind: str
    next_line_no: int
    complete: bool


def describe_error(exc: BaseException, path: str | Path) -> str:
    """One plain sentence for a database failure."""
    text = str(exc).lower()
    if getattr(exc, "sqlite_errorname", "") in ("SQLITE_FULL", "SQLITE_IOERR_SHMSIZE"):
        return f"cannot write to the database {path}: the disk is full"
    if "readonly" in text or "read-only" in text:
        return f"cannot write to the database {path}: it is read-only"
    if "locked" in text or "busy" in text:
        return f"the database {path} is locked by another program"
    if "disk is full" in text or "no space" in text or "full" in text:
        return f"cannot write to the database {path}: the disk is full"
    if "unable to open" in text:
        return f"cannot open the database {path}: check the folder exists and is writable"
    if "not a database" in text or "malformed" in text:
        return f"{path} is not a groundstation database (or it is damaged)"
    return f"database error on {path}: {exc}"


class Store:
    """A connection to a groundstation database. Use one per thread."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = str(path)
        try:
            if readonly:
                uri = f"{Path(self.path).resolve().as_uri()}?mode=ro"
                conn = sqlite3.connect(
                    uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S,
                    check_same_thread=False,
                )  # fmt: skip
            else:
                conn = sqlite3.connect(
                    self.path, isolation_level=None, timeout=BUSY_TIMEOUT_S,
                    check_same_thread=False,
                )  # fmt: skip
            self.db = sqlite_utils.Database(conn)
            if not readonly:
                self.db.enable_wal()
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA cache_size=-32000")  # 32 MB: bulk inserts stay in memory
                migrate(conn)
            conn.execute("PRAGMA foreign_keys=OFF")
        except sqlite3.Error as exc:
            raise StoreError(describe_error(exc, self.path)) from exc
        self.conn = conn
        self._tracker_ids: dict[str, int] = {}
        self._source_ids: dict[str, int] = {}

    def close(self) -> None:
        self.conn.close()

    # -- sources and trackers ------------------------------------------------------------------
    def register_source(self, key: str, name: str, kind: str) -> SourceInfo:
        """Find or create a source; say where its line numbering continues."""
        now = iso(datetime.now(UTC))
        try:
            self.conn.execute(
                "INSERT OR IGNORE INTO sources (key, name, kind, created_at) VALUES (?, ?, ?, ?)",
                (key, name, kind, now),
            )
            sid, complete = self.conn.execute(
                "SELECT id, complete FROM sources WHERE key = ?", (key,)
            ).fetchone()
            (last,) = self.conn.execute(  # a rowid range: no scan
                "SELECT max(id) - ? FROM raw_lines WHERE id BETWEEN ? AND ?",
                (sid << LINE_BITS, sid << LINE_BITS, ((sid + 1) << LINE_BITS) - 1),
            ).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(describe_error(exc, self.path)) from exc
        self._source_ids[key] = sid
        return SourceInfo(sid, key, name, kind, (last or 0) + 1, bool(complete))

    def _source_id(self, key: str) -> int:
        row = self.conn.execute("SELECT id FROM sources WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(f"source {key!r} was never registered")
        self._source_ids[key] = row[0]
        return int(row[0])

    def mark_complete(self, key: str) -> None:
        self.conn.execute("UPDATE sources SET complete = 1 WHERE key = ?", (key,))

    def tracker_id(self, name: str) -> int:
        tid = self._tracker_ids.get(name)
        if tid is None:
            self.conn.execute("INSERT OR IGNORE INTO trackers (name) VALUES (?)", (name,))
            (tid,) = self.conn.execute("SELECT id FROM trackers WHERE name = ?", (name,)).fetchone()
            self._tracker_ids[name] = tid
        return tid

    # -- the write path ------------------------------------------------------------------------
    def write(self, batch: Sequence[Decoded]) -> None:
        """Store one batch in one transaction (raises ``sqlite3.Error`` on failure)."""
        if not batch:
            return
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._write(batch)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # Tracker ids made inside a rolled-back transaction are gone.
            self._tracker_ids.clear()
            raise

    def _write(self, batch: Sequence[Decoded]) -> None:
        source_ids = self._source_ids
        tid = self.tracker_id
        raw_rows = []
        last_received: datetime | None = None
        received = ""
        fixes: dict[tuple[int, str], list[object]] = {}
        telemetry, links, station = [], [], []
        for d in batch:
            raw = d.raw
            sid = source_ids.get(raw.source) or self._source_id(raw.source)
            tracker = tid(d.tracker) if d.tracker is not None else None
            if raw.received_at is not last_received:  # one receive time for a whole chunk
                last_received = raw.received_at
                received = iso(last_received)
            rid = (sid << LINE_BITS) | raw.line_no
            raw_rows.append(
                (rid, sid, raw.line_no, received, raw.data.decode("latin-1"), d.status,
                 d.reason, d.sentence, tracker)
            )  # fmt: skip
            for rec in d.records:
                if isinstance(rec, Fix):
                    _merge_fix(fixes, tid(rec.tracker), rec, rid)
                elif isinstance(rec, Telemetry):
                    telemetry.append((
                        tid(rec.tracker), iso(rec.time) if rec.time else None, rec.seq,
                        rec.battery_v, rec.temp_int_c, rec.temp_ext_c, rec.pressure_hpa,
                        json.dumps(rec.extra, sort_keys=True) if rec.extra else None, rid,
                    ))  # fmt: skip
                elif isinstance(rec, LinkQuality):
                    links.append((
                        tid(rec.tracker), received, rec.seq, rec.rssi_dbm, rec.snr_db,
                        rec.freq_error_hz, None if rec.crc_ok is None else int(rec.crc_ok),
                        rec.lost_before, rid,
                    ))  # fmt: skip
                elif isinstance(rec, StationFix):
                    station.append((iso(rec.time), rec.lat, rec.lon, rec.alt_m, rid))
        conn = self.conn
        conn.executemany(
            "INSERT OR IGNORE INTO raw_lines (id, source_id, line_no, received_at, text, status,"
            " reason, sentence, tracker_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            raw_rows,
        )
        if fixes:
            conn.executemany(_UPSERT_FIX, fixes.values())
        if telemetry:
            conn.executemany(
                "INSERT OR IGNORE INTO telemetry (tracker_id, time, seq, battery_v, temp_int_c,"
                " temp_ext_c, pressure_hpa, extra, raw_line_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                " ?)",
                telemetry,
            )
        if links:
            conn.executemany(
                "INSERT OR IGNORE INTO link (tracker_id, received_at, seq, rssi_dbm, snr_db,"
                " freq_error_hz, crc_ok, lost_before, raw_line_id) VALUES (?, ?, ?, ?, ?, ?, ?,"
                " ?, ?)",
                links,
            )
        if station:
            conn.executemany(
                "INSERT OR IGNORE INTO station_fixes (time, lat, lon, alt_m, raw_line_id)"
                " VALUES (?, ?, ?, ?, ?)",
                station,
            )

    def query(self, sql: str, params: Iterable[object] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, tuple(params)))


_FIX_COLUMNS = ("alt_m", "speed_mps", "course_deg", "sats", "hdop", "quality")
_UPSERT_FIX = (
    "INSERT INTO fixes (tracker_id, time, lat, lon, alt_m, speed_mps, course_deg, sats, hdop,"
    " quality, sentence, raw_line_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (tracker_id, time) DO UPDATE SET "
    + ", ".join(f"{c} = coalesce(fixes.{c}, excluded.{c})" for c in _FIX_COLUMNS)
)


def _merge_fix(
    fixes: dict[tuple[int, str], list[object]], tracker_id: int, fix: Fix, raw_id: int
) -> None:
    key = (tracker_id, iso(fix.time))
    new: list[object] = [
        tracker_id, key[1], fix.lat, fix.lon, fix.alt_m, fix.speed_mps, fix.course_deg,
        fix.sats, fix.hdop, fix.quality, fix.sentence, raw_id,
    ]  # fmt: skip
    old = fixes.get(key)
    if old is None:
        fixes[key] = new
        return
    for i in range(4, 10):  # the optional measurements: first value wins, gaps are filled
        if old[i] is None:
            old[i] = new[i]
