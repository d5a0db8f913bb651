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

import functools
import logging
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from itertools import chain
from json.encoder import encode_basestring_ascii as _json_string
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

    from groundstation.decoding.lean import Header, Position, Radio

from groundstation.models import (
    Decoded,
    Fix,
    IntactPacket,
    LinkQuality,
    Record,
    StationFix,
    Telemetry,
    extra_json,
)
from groundstation.store.schema import LINE_BITS, migrate

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0
PAGE_SIZE = 8192


class StoreError(Exception):
    """The database cannot be opened or written; the message is meant for the user."""


def iso(dt: datetime) -> str:
    """UTC ISO 8601 with milliseconds and a Z: sorts as text, reads as a time."""
    zone = dt.tzinfo
    if zone is not UTC and zone is not None and dt.utcoffset():
        dt = dt.astimezone(UTC)
    return dt.isoformat(timespec="milliseconds")[:23] + "Z"


_LAST_ISO: tuple[datetime, str] = (datetime.min, "")


def _iso_cached(dt: datetime) -> str:
    """:func:`iso` for the times of fixes and telemetry: a packet's lines share one time, so
    the last one is remembered (compared, not hashed: hashing an aware time is slow)."""
    global _LAST_ISO
    last = _LAST_ISO  # one read: each port decodes on its own thread
    if dt == last[0]:
        return last[1]
    text = iso(dt)
    _LAST_ISO = (dt, text)
    return text


_LAST_DAY: tuple[date, str] = (date.min, "")


def _iso_on(day: date, tod: time) -> str:
    """:func:`iso` of a UTC time given as its day and time of day, twice as fast (the day's
    text, the same for a whole flight, is remembered)."""
    return f"{_day_text(day)}{tod.isoformat(timespec='milliseconds')}Z"


def _day_text(day: date) -> str:
    """The day as the start of an ISO time stamp (``2024-06-01T``), the last one remembered."""
    global _LAST_DAY
    last = _LAST_DAY  # one read: each port decodes on its own thread
    if last[0] != day:
        last = _LAST_DAY = (day, day.isoformat() + "T")
    return last[1]


def _iso_text(day: str, tod: str) -> str:
    """:func:`_iso_on` from the day's text (:func:`_day_text`) and a time of day as a
    ``$PHABT`` header sends it, which its reader found a time (``hhmmss``, then nothing or a
    point and 1-3 decimals: :data:`groundstation.decoding.lean.Header`): the same text, without
    making the time."""
    return f"{day}{tod[0:2]}:{tod[2:4]}:{tod[4:6]}.{(tod[7:] + '000')[:3]}Z"


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
            if not readonly:
                # A new database gets 8 kB pages, where SQLite's default is 4 kB: a bulk
                # import's writer then spends ~9% less CPU (fewer pages to split and write). The
                # setting takes effect only before the first table is made; an existing database
                # keeps its pages.
                conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
                (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
                if mode != "wal":
                    conn.execute("PRAGMA journal_mode=wal")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA cache_size=-16000")  # 16 MB: enough for bulk inserts
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

    def row_tracker_ids(self) -> TrackerIds:
        """Tracker ids for rows this connection will write: the ids it knows."""
        return TrackerIds(self._tracker_ids)

    def trackers(self) -> dict[str, int]:
        """Every tracker's id, by name."""
        return dict(self.conn.execute("SELECT name, id FROM trackers"))

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
        if batch:
            self.write_rows([to_rows(batch, self.source_id, self.row_tracker_ids())])

    def source_id(self, key: str) -> int:
        return self._source_ids.get(key) or self._source_id(key)

    def write_rows(self, parts: Sequence[Rows]) -> None:
        """Store rows made by :func:`to_rows` in one transaction (``sqlite3.Error`` on failure).

        Only SQLite runs here: the rows were made beforehand, possibly in another process."""
        parts = [p for p in parts if p.lines]
        if not parts:
            return
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for part in parts:
                self._write_rows(part)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # Tracker ids made inside a rolled-back transaction are gone.
            self._tracker_ids.clear()
            raise

    def _write_rows(self, rows: Rows) -> None:
        # Each tracker the rows name, in the order they were first met (new ones get their ids
        # as line by line), and the id its rows give it: renumbered where that is not its id.
        known = self._tracker_ids
        ids: dict[int, int] = {}
        for name, given in rows.trackers.items():
            tid = known.get(name) or self.tracker_id(name)
            if tid != given:
                ids[given] = tid
        if rows.steady:
            rows = rows.expanded()
        if ids:
            rows = _renumbered(rows, ids)
        conn = self.conn
        if rows.runs:  # (one executemany: a statement and a cursor for all, not one a run)
            conn.executemany(_INSERT_RUN, _joined_runs(rows.runs))
        if rows.ok:
            conn.executemany(_INSERT_OK, rows.ok)
        if rows.rejected:
            conn.executemany(_INSERT_RAW, rows.rejected)
        if rows.fixes:
            _UPSERT_FIX.run(conn, rows.fixes)
        if rows.telemetry:
            _INSERT_TELEMETRY.run(conn, rows.telemetry)
        if rows.radio:  # (each the first line of its source here: before the other links)
            conn.executemany(_MERGE_RADIO, [r[:6] for r in rows.radio])  # (no receive time)
            conn.executemany(_INSERT_RADIO, rows.radio)
        if rows.links:
            _INSERT_LINK.run(conn, rows.links)
        if rows.station:
            _INSERT_STATION.run(conn, rows.station)

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """The connection as sqlite-utils sees it, for queries. Made (and sqlite-utils imported)
        when first asked for: the writer and a bulk import's decoding process never need it,
        and importing it took 30-50 ms of every command's start-up."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def query(self, sql: str, params: Iterable[object] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, tuple(params)))


def _joined_runs(
    runs: Sequence[tuple[int, str, int, list[str]]],
) -> list[tuple[int, str, bytes, int, str]]:
    """The parameters of :data:`_INSERT_RUN` for ``runs`` (:class:`Rows`), a run and the runs
    that continue it (the next line's id, the same receive time) joined into one whatever their
    trackers: where two trackers take turns, a run is one packet, and a statement for each cost
    a bulk import ~0.3 s (of 1M lines) more than one for a whole part."""
    width = max(len(str(tracker)) for _, _, tracker, _ in runs)
    tags: dict[int, bytes] = {}
    out: list[tuple[int, str, bytes, int, str]] = []
    first, at = runs[0][0], runs[0][1]
    texts: list[str] = []
    owners: list[bytes] = []
    for start, received, tracker, lines in runs:
        if start != first + len(texts) or received != at:
            out.append((first, at, b"".join(owners), width, _json_array(texts)))
            first, at, texts, owners = start, received, [], []
        texts += lines
        tag = tags.get(tracker)
        if tag is None:
            tag = tags[tracker] = str(tracker).zfill(width).encode("ascii")
        owners.append(tag * len(lines))
    out.append((first, at, b"".join(owners), width, _json_array(texts)))
    return out


def _json_array(texts: list[str]) -> str:
    """``json.dumps(texts)`` (a list of strings), with the same encoder for each string and
    none of the set-up json.dumps does per call: 2.5x as fast for a packet's lines, ~0.17 s of
    a 1M-line import's writer."""
    return f"[{','.join(map(_json_string, texts))}]"


class _Inserts:
    """One INSERT of rows ``width`` values wide, run for many rows at once: each statement
    takes up to :attr:`ROWS` rows in one ``VALUES`` list, so SQLite steps and resets once per
    block instead of once per row (storing a 1M-line import's telemetry, fixes and links took
    1.0 s instead of 1.3 s). SQLite inserts a list's rows one after another, each with its own
    ``OR IGNORE`` or ``ON CONFLICT``, exactly as one statement a row does."""

    ROWS = 64
    """Rows a statement at most: 64 rows of 12 values stay within the 999 parameters that
    SQLite before 3.32 allows."""

    __slots__ = ("_statements",)

    def __init__(self, head: str, width: int, tail: str = "") -> None:
        row = f"({', '.join('?' * width)})"
        # For ROWS rows, and for each power of two below it: any remainder is a sum of those.
        self._statements = {
            n: f"{head} VALUES {', '.join([row] * n)}{tail}"
            for n in (1 << k for k in range(self.ROWS.bit_length()))
        }

    def run(self, conn: sqlite3.Connection, rows: Sequence[Sequence[object]]) -> None:
        """Insert ``rows`` in order."""
        size = self.ROWS
        whole = len(rows) - len(rows) % size
        flat = chain.from_iterable
        if whole:
            conn.executemany(
                self._statements[size],
                [list(flat(rows[i : i + size])) for i in range(0, whole, size)],
            )
        while whole < len(rows):
            n = 1 << ((len(rows) - whole).bit_length() - 1)  # the largest power of two left
            conn.execute(self._statements[n], list(flat(rows[whole : whole + n])))
            whole += n


_FIX_COLUMNS = ("alt_m", "speed_mps", "course_deg", "sats", "hdop", "quality")
_INSERT_RAW = (
    "INSERT OR IGNORE INTO raw_lines (id, source_id, line_no, received_at, text, status,"
    " reason, sentence, tracker_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# Nearly every line is ok with no reason: its source, line number and status follow from its id,
# so SQLite works them out and the statement binds 5 values instead of 9 (a bulk import spends
# most of its SQLite time binding and inserting raw lines).
_INSERT_OK = (
    "INSERT OR IGNORE INTO raw_lines (id, source_id, line_no, received_at, text, status,"
    f" reason, sentence, tracker_id) VALUES (?1, ?1 >> {LINE_BITS}, ?1 & {(1 << LINE_BITS) - 1},"
    " ?2, ?3, 'ok', NULL, ?4, ?5)"
)
# A run of ok lines with consecutive ids and one receive time, each line's sentence the text
# between its first character and its first comma: one statement and one parameter for all
# their texts (a JSON array SQLite takes apart), where a row each costs a bulk import most of
# its SQLite time. Each line's tracker is ?4 ASCII digits of the blob ?3, from byte key * ?4
# (a blob's bytes are found directly, where a text's characters are counted from its start).
_INSERT_RUN = (
    "INSERT OR IGNORE INTO raw_lines (id, source_id, line_no, received_at, text, status,"
    f" reason, sentence, tracker_id) SELECT ?1 + key, (?1 + key) >> {LINE_BITS},"
    f" (?1 + key) & {(1 << LINE_BITS) - 1}, ?2, value, 'ok', NULL,"
    " substr(value, 2, instr(value, ',') - 2), CAST(substr(?3, key * ?4 + 1, ?4) AS INTEGER)"
    " FROM json_each(?5)"
)
# OR IGNORE, as for the other tables: a row no constraint but its epoch's can refuse (the rows
# always have a tracker, time and place) then needs no statement journal, which SQLite otherwise
# writes to a temporary file for a many-row statement that could fail halfway (measured: six
# times the writes, and the CPU the many rows saved spent in the kernel).
_UPSERT_FIX = _Inserts(
    "INSERT OR IGNORE INTO fixes (tracker_id, time, lat, lon, alt_m, speed_mps, course_deg,"
    " sats, hdop, quality, sentence, raw_line_id)",
    12,
    " ON CONFLICT (tracker_id, time) DO UPDATE SET "
    + ", ".join(f"{c} = coalesce(fixes.{c}, excluded.{c})" for c in _FIX_COLUMNS),
)
_INSERT_TELEMETRY = _Inserts(
    "INSERT OR IGNORE INTO telemetry (tracker_id, time, seq, battery_v, temp_int_c, temp_ext_c,"
    " pressure_hpa, extra, raw_line_id)",
    9,
)
_INSERT_LINK = _Inserts(
    "INSERT OR IGNORE INTO link (tracker_id, received_at, seq, rssi_dbm, snr_db, freq_error_hz,"
    " crc_ok, lost_before, raw_line_id)",
    9,
)
# A radio report goes into the link row of the line before it when that row records the
# integrity of the same tracker's packet with the same sequence number (RowBuilder._radio_link
# does the same when both lines are in one part); else it is a row of its own.
_PACKET_BEFORE = "raw_line_id = ?4 - 1 AND tracker_id = ?5 AND seq IS ?6 AND crc_ok IS NOT NULL"
_MERGE_RADIO = (
    f"UPDATE link SET rssi_dbm = ?1, snr_db = ?2, freq_error_hz = ?3 WHERE {_PACKET_BEFORE}"
)
_INSERT_RADIO = (
    "INSERT OR IGNORE INTO link (tracker_id, received_at, seq, rssi_dbm, snr_db, freq_error_hz,"
    " crc_ok, lost_before, raw_line_id) SELECT ?5, ?7, ?6, ?1, ?2, ?3, NULL, 0, ?4"
    f" WHERE NOT EXISTS (SELECT 1 FROM link WHERE {_PACKET_BEFORE})"
)
_INSERT_STATION = _Inserts(
    "INSERT OR IGNORE INTO station_fixes (time, lat, lon, alt_m, raw_line_id)", 5
)


class TrackerIds:
    """The ``trackers.id`` rows give each tracker, for rows made before they reach the writer
    (possibly in another process). A tracker ``known`` then has its id; any other gets the id
    the writer will give it when it adds it (``next_id``, then the next, in the order they are
    met), or with no ``next_id`` a negative one. :meth:`Store.write_rows` checks each part's ids
    and renumbers a part whose trackers turned out to have other ids (another writer added one
    meanwhile, or it had a negative one): the rows bind the ids themselves, where looking each
    one up by name cost a bulk import 14% of its SQLite time."""

    __slots__ = ("_known", "_new", "_next", "_step")

    def __init__(self, known: Mapping[str, int] | None = None, next_id: int | None = None):
        self._known: Mapping[str, int] = {} if known is None else known
        self._new: dict[str, int] = {}
        self._next, self._step = (-1, -1) if next_id is None else (next_id, 1)

    @classmethod
    def after(cls, known: Mapping[str, int]) -> TrackerIds:
        """The ids of a database whose trackers were ``known``: SQLite gives a new tracker one
        more than the largest id."""
        return cls(known, max(known.values(), default=0) + 1)

    def __call__(self, name: str) -> int:
        tid = self._known.get(name) or self._new.get(name)
        if tid is None:
            tid = self._new[name] = self._next
            self._next += self._step
        return tid


@dataclass(slots=True)
class Rows:
    """Decoded lines as the plain tuples the tables take.

    Made by :func:`to_rows` wherever there is CPU to spare (the decoding process of a bulk
    import), stored by :meth:`Store.write_rows`; plain lists of tuples, so they pickle cheaply.
    Trackers are ids (:class:`TrackerIds`); ``trackers`` maps the name of each tracker the rows
    name to its id in them, in the order the lines first mention them, so new trackers get
    their ids as a line-by-line write would give them. Raw lines come three ways
    (:meth:`add_ok` sorts the ok ones): ``runs`` of ok lines as ``(first id, received_at,
    tracker, [text, ...])`` (:data:`_INSERT_RUN`); other ok lines in ``ok`` as ``(id,
    received_at, text, sentence, tracker)``, the rest of each row follows from them
    (:data:`_INSERT_OK`); ``rejected`` holds every other line whole. ``radio`` holds the
    radio reports whose line before is not in these rows, as ``(rssi, snr, frequency error,
    line id, tracker, sequence number, received_at)``: the writer puts each into the link row
    that line made, or stores it on its own (:data:`_MERGE_RADIO`, :data:`_INSERT_RADIO`).

    ``steady`` holds the commonest packets (:meth:`RowBuilder.steady`, with their radio line)
    as one tuple each: the tracker, the day and time of day as text, the rest of the telemetry
    row, the fix's place, measurements and sentence, the radio report, and the packet's lines;
    their receive time is ``steady_received``. :meth:`expanded` makes them into the raw lines,
    telemetry, fix and link rows they stand for, where the writer has the CPU to spare: the
    decoding process of a bulk import is the busier one.
    """

    lines: int = 0
    trackers: dict[str, int] = field(default_factory=dict)
    runs: list[tuple[int, str, int, list[str]]] = field(default_factory=list)
    ok: list[tuple[int, str, str, str | None, int | None]] = field(default_factory=list)
    rejected: list[tuple[object, ...]] = field(default_factory=list)
    fixes: list[list[object]] = field(default_factory=list)
    telemetry: list[tuple[object, ...]] = field(default_factory=list)
    links: list[tuple[object, ...]] = field(default_factory=list)
    radio: list[tuple[object, ...]] = field(default_factory=list)
    station: list[tuple[object, ...]] = field(default_factory=list)
    steady: list[tuple[Any, ...]] = field(default_factory=list)
    steady_received: str = ""

    def expanded(self) -> Rows:
        """These rows with each of ``steady`` made into its raw lines, telemetry, fix and
        link rows, in line order among the others: what :class:`RowBuilder` made of those
        packets before (the tests hold the two to that). A copy: these rows are left as they
        are.

        A steady packet's epoch is met in ``fixes`` only after it (:meth:`RowBuilder.steady`
        takes a packet this way only when every fix there is older), so filling the gaps of
        the steady packets' fix rows from the rows of ``fixes`` merges them in line order."""
        if not self.steady:
            return self
        received = self.steady_received
        pieces: list[tuple[int, str, int, list[str]]] = []
        telemetry: list[tuple[object, ...]] = []
        links: list[tuple[object, ...]] = []
        merged: dict[tuple[object, object], list[object]] = {}
        for (tracker, day, tod, seq, battery, temp_int, temp_ext, pressure, extra, first, lat,
             lon, alt, speed, course, sats, hdop, quality, sentence, rssi, snr, freq_error,
             texts) in self.steady:  # fmt: skip
            pieces.append((first, received, tracker, texts))
            stamp = _iso_text(day, tod)
            telemetry.append(
                (tracker, stamp, seq, battery, temp_int, temp_ext, pressure, extra, first)
            )
            key = (tracker, stamp)
            fix = merged.get(key)
            if fix is None:
                merged[key] = [tracker, stamp, lat, lon, alt, speed, course, sats, hdop, quality,
                               sentence, first + 1]  # fmt: skip
            else:  # (the same epoch again: first value wins, gaps are filled)
                _fill(fix, (alt, speed, course, sats, hdop, quality))
            links.append((tracker, received, seq, rssi, snr, freq_error, 1, 0, first + 3))
        for fix in self.fixes:
            old = merged.get((fix[0], fix[1]))
            if old is None:
                merged[(fix[0], fix[1])] = fix
            else:
                _fill(old, fix[4:10])
        fixes = list(merged.values())
        if self.fixes:
            fixes.sort(key=_raw_id)
        if self.telemetry:
            telemetry = sorted(telemetry + self.telemetry, key=_raw_id)
        if self.links:
            links = sorted(links + self.links, key=_raw_id)
        if self.runs:
            pieces = sorted(self.runs + pieces, key=_first_id)
        joined = Rows()  # (the runs as add_run makes them; it copies each run's first list)
        for first, at, tracker, texts in pieces:
            joined.add_run(first, at, tracker, texts)
        return replace(
            self, runs=joined.runs, fixes=fixes, telemetry=telemetry, links=links, steady=[],
            steady_received="",
        )  # fmt: skip

    def add_ok(
        self, rid: int, received: str, text: str, sentence: str | None, tracker: int | None
    ) -> None:
        """An ok line (without a reason): into the last run when it continues it and its
        sentence is what :data:`_INSERT_RUN` reads from its text, else a new run or ``ok``.
        A text with a NUL is never in a run: SQLite's JSON reader would end it there."""
        if (
            tracker is None
            or sentence is None
            or text.find(",") != len(sentence) + 1
            or not text.startswith(sentence, 1)
            or "\x00" in text
        ):
            self.ok.append((rid, received, text, sentence, tracker))
            return
        self.add_run(rid, received, tracker, (text,))

    def add_run(self, rid: int, received: str, tracker: int, texts: Sequence[str]) -> None:
        """Ok lines with consecutive ids from ``rid``, each one :meth:`add_ok` would put in a
        run (the caller knows): into the last run when they continue it, else a new one."""
        runs = self.runs
        if runs:
            first, at, owner, last = runs[-1]
            if first + len(last) == rid and owner == tracker and at == received:
                last.extend(texts)
                return
        runs.append((rid, received, tracker, list(texts)))


_raw_id = itemgetter(-1)
"""The id of the raw line a fix, telemetry or link row came from: its last value."""
_first_id = itemgetter(0)
"""The id of a run's first line."""


def _fill(fix: list[object], measured: Sequence[object]) -> None:
    """Fill the gaps in a fix row's measurements (altitude, speed, course, satellites, HDOP,
    quality) from ``measured``, the same six of the epoch met again: first value wins."""
    for i in range(6):
        if fix[i + 4] is None:
            fix[i + 4] = measured[i]


def _renumbered(rows: Rows, ids: dict[int, int]) -> Rows:
    """``rows`` with each tracker id in ``ids`` replaced by its value (a copy: a part that
    failed to be stored may be stored again)."""

    def new(tid: object) -> object:
        return ids.get(tid, tid) if type(tid) is int else tid

    return replace(
        rows,
        runs=[(first, at, ids.get(t, t), texts) for first, at, t, texts in rows.runs],
        ok=[
            (rid, at, text, sentence, None if t is None else ids.get(t, t))
            for rid, at, text, sentence, t in rows.ok
        ],
        rejected=[(*r[:8], new(r[8])) for r in rows.rejected],
        fixes=[[new(r[0]), *r[1:]] for r in rows.fixes],
        telemetry=[(new(r[0]), *r[1:]) for r in rows.telemetry],
        links=[(new(r[0]), *r[1:]) for r in rows.links],
        radio=[(*r[:4], new(r[4]), *r[5:]) for r in rows.radio],
    )


def to_rows(
    batch: Iterable[Decoded],
    source_id: Callable[[str], int],
    tracker_ids: Callable[[str], int] | None = None,
) -> Rows:
    """The rows a batch of decoded lines adds; ``source_id`` maps a source key to its id,
    ``tracker_ids`` a tracker's name to the id the rows give it (by default a new
    :class:`TrackerIds`).

    Fixes of one tracker and time within the batch are merged here (first value wins, gaps are
    filled), as the upsert merges them with rows already stored."""
    builder = RowBuilder(source_id, tracker_ids)
    builder.add(batch)
    return builder.finish()


class RowBuilder:
    """:func:`to_rows` a line at a time: a decoded line, or a line of a packet decoded whole.

    Lines must come in their order in the source; each line's rows are what :func:`to_rows`
    gives for it, whichever way it was added."""

    __slots__ = ("rows", "_fixes", "_latest", "_tracker_ids", "_source_id", "_source", "sid",
                 "_received_at", "received", "_end", "_firsts")  # fmt: skip

    def __init__(
        self, source_id: Callable[[str], int], tracker_ids: Callable[[str], int] | None = None
    ) -> None:
        self.rows = Rows()
        self._fixes: dict[tuple[int, str], list[object]] = {}
        self._latest: datetime | None = None  # the latest time of a fix in _fixes
        self._tracker_ids = TrackerIds() if tracker_ids is None else tracker_ids
        self._source_id = source_id
        self._source: str | None = None
        self.sid = 0
        self._received_at: datetime | None = None
        self.received = ""
        # The last link row that records a packet's integrity: its line's id and its index in
        # rows.links (a radio report on the next line goes into it: :meth:`_radio_link`).
        self._end: tuple[int, int] | None = None
        self._firsts: dict[int, int] = {}  # each source's first line in these rows

    def add(self, batch: Iterable[Decoded]) -> None:
        line = self.line
        for d in batch:
            raw = d.raw
            self.at(raw.source, raw.received_at)
            line(raw.line_no, raw.data, d.status, d.reason, d.sentence, d.tracker, d.records)

    def at(self, source: str, received_at: datetime) -> None:
        """The lines that follow come from this source and were received at this time."""
        if source != self._source:
            self._source = source
            self.sid = self._source_id(source)
        if received_at is not self._received_at:  # one receive time for a whole chunk
            self._received_at = received_at
            self.received = iso(received_at)

    def line(
        self,
        line_no: int,
        data: bytes,
        status: str,
        reason: str | None,
        sentence: str | None,
        tracker: str | None,
        records: Iterable[Record],
    ) -> None:
        """One line and its records (of the current source, received at the current time)."""
        rows = self.rows
        rows.lines += 1
        tid = None if tracker is None else self.tracker(tracker)
        sid = self.sid
        rid = (sid << LINE_BITS) | line_no
        self._firsts.setdefault(sid, rid)
        received = self.received
        if status == "ok" and reason is None:
            rows.add_ok(rid, received, data.decode("latin-1"), sentence, tid)
        else:
            rows.rejected.append(
                (rid, sid, line_no, received, data.decode("latin-1"), status, reason, sentence,
                 tid)
            )  # fmt: skip
        for rec in records:
            if isinstance(rec, Fix):
                self._merge(self.tracker(rec.tracker), rec, rid)
            elif isinstance(rec, Telemetry):
                rows.telemetry.append(_telemetry_row(self.tracker(rec.tracker), rec, rid))
            elif isinstance(rec, LinkQuality):
                link_tid = self.tracker(rec.tracker)
                if sentence == "PHABR" and rec.crc_ok is None:
                    freq = rec.freq_error_hz
                    self._radio_link(link_tid, rec.seq, rec.rssi_dbm, rec.snr_db, freq, rid)
                else:
                    if rec.crc_ok is not None:
                        self._end = (rid, len(rows.links))
                    rows.links.append(_link_row(link_tid, rec, received, rid))
            elif isinstance(rec, StationFix):
                rows.station.append((iso(rec.time), rec.lat, rec.lon, rec.alt_m, rid))

    def tracker(self, name: str) -> int:
        """The id the rows give the tracker ``name`` (:class:`Rows`)."""
        trackers = self.rows.trackers
        tid = trackers.get(name)
        if tid is None:
            tid = trackers[name] = self._tracker_ids(name)
        return tid

    def packet(self, first_line_no: int, packet: IntactPacket) -> None:
        """The lines of a packet that decoded whole, from ``first_line_no``: what :meth:`line`
        gives for them. The :mod:`lean` readers took every line, so each may go in a run as it
        is (:meth:`Rows.add_ok`'s conditions)."""
        texts = packet.texts
        tracker = self.tracker(packet.tracker)
        base = self._packet_lines(first_line_no, tracker, texts)
        first = base | first_line_no
        # The rows _telemetry_row and _link_row make of the records the header and end line
        # decode to (the end line's: CRC good, no radio measurements).
        self.rows.telemetry.append(
            (tracker, _iso_cached(packet.when), packet.seq, *packet.measured, packet.extras,
             first)
        )  # fmt: skip
        fixes = packet.fixes
        if len(fixes) == 2 and fixes[0].time == fixes[1].time:  # (GGA and RMC of one epoch)
            a, b = fixes
            if self._epoch(
                (tracker, _iso_cached(a.time)), a.time, a.lat, a.lon,
                (a.alt_m, a.speed_mps, a.course_deg, a.sats, a.hdop, a.quality),
                (b.alt_m, b.speed_mps, b.course_deg, b.sats, b.hdop, b.quality),
                a.sentence, base | (first_line_no + 1),
            ):  # fmt: skip
                fixes = []
        for no, fix in enumerate(fixes, start=first_line_no + 1):
            self._merge(tracker, fix, base | no)
        last = base | (first_line_no + len(texts) - 1)
        links = self.rows.links
        self._end = (last, len(links))
        links.append((tracker, self.received, packet.seq, None, None, None, 1, packet.lost, last))

    def steady(
        self,
        first_line_no: int,
        texts: list[str],
        when: datetime,
        head: Header,
        gga: Position,
        rmc: Position,
        radio: Radio | None,
    ) -> None:
        """:meth:`packet` of a packet of a header, GGA, RMC and end line that
        :meth:`StreamDecoder.steady_packet` took at ``when`` (the GGA and RMC one epoch,
        nothing lost before it), from what the :mod:`lean` readers read its lines as; with
        ``radio``, :meth:`radio` of the radio line after it (last in ``texts``), which names
        the same tracker."""
        rows = self.rows
        tracker = rows.trackers.get(head[0]) or self.tracker(head[0])
        day = rmc[11]
        assert day is not None  # (steady_packet: when is that day at the header's time)
        received = self.received
        latest = self._latest
        if (
            radio is not None
            and radio[1] == head[2]  # (its report on this packet)
            and (latest is None or when > latest)  # (so its epoch is not in _fixes)
            and (rows.steady_received == received or not rows.steady)
        ):  # The commonest packet: one tuple, made into its rows by the writer (Rows.steady).
            sid = self.sid
            first = (sid << LINE_BITS) | first_line_no
            self._firsts.setdefault(sid, first)
            rows.lines += len(texts)
            rows.steady_received = received
            rows.steady.append(
                (tracker, _day_text(day), head[9], head[2], head[4], head[5], head[6], head[7],
                 head[8], first, gga[3], gga[4],
                 rmc[5] if gga[5] is None else gga[5], rmc[6] if gga[6] is None else gga[6],
                 rmc[7] if gga[7] is None else gga[7], rmc[8] if gga[8] is None else gga[8],
                 rmc[9] if gga[9] is None else gga[9], rmc[10] if gga[10] is None else gga[10],
                 gga[0], *radio[2:], texts)
            )  # fmt: skip
            return
        base = self._packet_lines(first_line_no, tracker, texts)
        stamp = _iso_on(day, head[3])
        first = base | first_line_no
        rows.telemetry.append(
            (tracker, stamp, head[2], head[4], head[5], head[6], head[7], head[8], first)
        )
        if not self._epoch(
            (tracker, stamp), when, gga[3], gga[4], gga[5:11], rmc[5:11], gga[0],
            base | (first_line_no + 1),
        ):  # fmt: skip
            for no, (name, _, _, lat, lon, alt, speed, course, sats, hdop, quality, _) in (
                (first_line_no + 1, gga),
                (first_line_no + 2, rmc),
            ):
                fix = Fix(head[0], when, lat, lon, alt, speed, course, sats, hdop, quality, name)
                self._merge(tracker, fix, base | no)
        end = base | (first_line_no + 3)
        links = rows.links
        if radio is not None and radio[1] == head[2]:  # (its report on this packet)
            links.append((tracker, received, head[2], *radio[2:], 1, 0, end))
            return
        self._end = (end, len(links))
        links.append((tracker, received, head[2], None, None, None, 1, 0, end))
        if radio is not None:
            links.append((tracker, received, *radio[1:], None, 0, end + 1))

    def _packet_lines(self, first_line_no: int, tracker: int, texts: list[str]) -> int:
        """A packet's lines from ``first_line_no``, all ok and the tracker's (its id), into a
        run; returns the base of their ids (the source's)."""
        rows = self.rows
        sid = self.sid
        base = sid << LINE_BITS
        self._firsts.setdefault(sid, base | first_line_no)
        rows.lines += len(texts)
        rows.add_run(base | first_line_no, self.received, tracker, texts)
        return base

    def _epoch(
        self,
        key: tuple[int, str],
        when: datetime,
        lat: float,
        lon: float,
        first: Sequence[object],
        then: Sequence[object],
        sentence: str | None,
        raw_id: int,
    ) -> bool:
        """The fix row of one epoch (``key``: tracker and time) from its first sentence, the
        gaps in its measurements (``first``: altitude, speed, course, satellites, HDOP,
        quality) filled from the second's (``then``): what :func:`_merge_fix` makes of the
        two. False, with nothing done, when this chunk has that epoch already. ``when``: the
        epoch's time."""
        merged = self._fixes
        if key in merged:
            return False
        self._note(when)
        merged[key] = [
            key[0], key[1], lat, lon,
            then[0] if first[0] is None else first[0],
            then[1] if first[1] is None else first[1],
            then[2] if first[2] is None else first[2],
            then[3] if first[3] is None else first[3],
            then[4] if first[4] is None else first[4],
            then[5] if first[5] is None else first[5],
            sentence, raw_id,
        ]  # fmt: skip
        return True

    def _merge(self, tracker: int, fix: Fix, raw_id: int) -> None:
        """:func:`_merge_fix` into these rows' fixes."""
        self._note(fix.time)
        _merge_fix(self._fixes, tracker, fix, raw_id)

    def _note(self, when: datetime) -> None:
        """A fix of this time goes into ``_fixes``: remember the latest (a time without a zone
        counts as UTC, as :func:`iso` writes it)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        latest = self._latest
        if latest is None or when > latest:
            self._latest = when

    def radio(self, line_no: int, text: str, link: LinkQuality) -> None:
        """A ``$PHABR`` line a :mod:`lean` reader took, and its link record: what :meth:`line`
        gives for it (it may go in a run as it is, as :meth:`packet`'s lines)."""
        rows = self.rows
        tracker = self.tracker(link.tracker)
        sid = self.sid
        rid = (sid << LINE_BITS) | line_no
        self._firsts.setdefault(sid, rid)
        rows.lines += 1
        rows.add_run(rid, self.received, tracker, (text,))
        self._radio_link(tracker, link.seq, link.rssi_dbm, link.snr_db, link.freq_error_hz, rid)

    def _radio_link(
        self,
        tracker: int,
        seq: int | None,
        rssi: float | None,
        snr: float | None,
        freq_error: float | None,
        rid: int,
    ) -> None:
        """The receiver's report on a packet, from its radio line ``rid``: into the link row of
        the packet whose integrity the line before records, when it is the same tracker's and
        sequence number's (one row a packet); else a row of its own. When the line before is
        not in these rows, the writer decides the same in SQL (``radio``)."""
        links = self.rows.links
        end = self._end
        if end is not None and end[0] == rid - 1:
            row = links[end[1]]
            if row[0] == tracker and row[2] == seq:
                links[end[1]] = (*row[:3], rssi, snr, freq_error, *row[6:])
                self._end = None
                return
        elif self._firsts.get(rid >> LINE_BITS) == rid:
            self.rows.radio.append((rssi, snr, freq_error, rid, tracker, seq, self.received))
            return
        links.append((tracker, self.received, seq, rssi, snr, freq_error, None, 0, rid))

    def finish(self) -> Rows:
        """The rows so far (the builder is spent)."""
        rows = self.rows
        rows.fixes = list(self._fixes.values())
        return rows


def _telemetry_row(tracker: int, rec: Telemetry, raw_id: int) -> tuple[object, ...]:
    return (
        tracker, _iso_cached(rec.time) if rec.time else None, rec.seq, rec.battery_v,
        rec.temp_int_c, rec.temp_ext_c, rec.pressure_hpa,
        extra_json(rec.extra) if rec.extra else None, raw_id,
    )  # fmt: skip


def _link_row(tracker: int, rec: LinkQuality, received: str, raw_id: int) -> tuple[object, ...]:
    return (
        tracker, received, rec.seq, rec.rssi_dbm, rec.snr_db, rec.freq_error_hz,
        None if rec.crc_ok is None else int(rec.crc_ok), rec.lost_before, raw_id,
    )  # fmt: skip


def _merge_fix(
    fixes: dict[tuple[int, str], list[object]], tracker: int, fix: Fix, raw_id: int
) -> None:
    key = (tracker, _iso_cached(fix.time))
    old = fixes.get(key)
    if old is None:
        fixes[key] = [
            tracker, key[1], fix.lat, fix.lon, fix.alt_m, fix.speed_mps, fix.course_deg,
            fix.sats, fix.hdop, fix.quality, fix.sentence, raw_id,
        ]  # fmt: skip
        return
    _fill(old, (fix.alt_m, fix.speed_mps, fix.course_deg, fix.sats, fix.hdop, fix.quality))
