"""Where the live view's records come from (no Textual here).

- :class:`PortsSource`: serial ports read by the same :class:`~groundstation.ingest.Listener`,
  :class:`~groundstation.pipeline.Pipeline` and :class:`~groundstation.store.writer.BatchWriter`
  as ``groundstation listen``: everything received is stored.
- :class:`ReplaySource`: a log fed through the same pipeline by
  :func:`~groundstation.ingest.replay_file`, in a thread.
- :class:`FollowSource`: no source of its own; follows the database while another process
  writes it, polling new rows by rowid from a read-only connection.

Each one hands decoded lines and source events to an :class:`~groundstation.tui.inbox.Inbox`
from its own threads. ``stop`` blocks until ports are closed and the last batch is committed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from groundstation.ingest import Listener, open_store, replay_file
from groundstation.models import Decoded, Fix, LinkQuality, RawLine, SourceEvent, Telemetry
from groundstation.pipeline import Pipeline
from groundstation.store.database import Store, StoreError, parse_iso
from groundstation.store.schema import LINE_BITS
from groundstation.store.writer import BatchWriter
from groundstation.tui.inbox import Inbox

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.5
POLL_LIMIT = 20_000


class Source(Protocol):
    def start(self, inbox: Inbox) -> None: ...

    def stop(self) -> None: ...

    def error(self) -> str | None: ...


class _Stored:
    """A pipeline whose writer stores everything in the database, as ``listen`` does."""

    def __init__(self, db: str | Path) -> None:
        self.store = open_store(db)
        try:
            self.writer = BatchWriter(db).start()
        except BaseException:
            self.store.close()
            raise
        self.pipeline = Pipeline(self.writer)

    def close(self) -> None:
        self.writer.close()  # the final commit happens here
        self.store.close()

    def error(self) -> str | None:
        return self.writer.error


class PortsSource:
    """Serial ports (device paths or pyserial URLs) through the pipeline into the database."""

    def __init__(
        self,
        db: str | Path,
        ports: Sequence[str],
        *,
        baud: int = 9600,
        tracker: str | None = None,
        live_clock: bool = True,
    ) -> None:
        self._stored = _Stored(db)
        self.pipeline = self._stored.pipeline
        try:
            self.listener = Listener(
                self.pipeline,
                self._stored.store,
                ports,
                baud=baud,
                tracker=tracker,
                live_clock=live_clock,
            )
        except BaseException:
            self._stored.close()
            raise

    def start(self, inbox: Inbox) -> None:
        self.pipeline.subscribe(inbox.put)
        self.pipeline.subscribe_events(inbox.put_event)
        self.listener.start()

    def stop(self) -> None:
        self.listener.stop()
        self._stored.close()

    def error(self) -> str | None:
        return self._stored.error()


class ReplaySource:
    """A log replayed through the pipeline (stored under the file's own source) in a thread."""

    def __init__(self, db: str | Path, path: str | Path, *, speed: float = 1.0) -> None:
        self.path = Path(path)
        self.speed = speed
        self._stored = _Stored(db)
        self.pipeline = self._stored.pipeline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="replay", daemon=True)
        self._failure: str | None = None

    def start(self, inbox: Inbox) -> None:
        self.pipeline.subscribe(inbox.put)
        self.pipeline.subscribe_events(inbox.put_event)
        self._thread.start()

    def _run(self) -> None:
        key, name = f"replay:{self.path}", self.path.name
        self.pipeline.event(SourceEvent(key, name, datetime.now(UTC), "open", "replaying"))
        try:
            replay_file(
                self.pipeline, self._stored.store, self.path, speed=self.speed, stop=self._stop
            )
        except Exception as exc:  # shown in the status bar; the view stays up
            log.exception("replay of %s failed", self.path)
            self._failure = f"replay of {name} failed: {exc}"
            self.pipeline.event(SourceEvent(key, name, datetime.now(UTC), "error", str(exc)))
            return
        detail = "stopped" if self._stop.is_set() else "replay finished"
        self.pipeline.event(SourceEvent(key, name, datetime.now(UTC), "closed", detail))

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10.0)
        self._stored.close()

    def error(self) -> str | None:
        return self._failure or self._stored.error()


# -- following a database another process writes ------------------------------------------------
_FIXES = (
    "SELECT f.id, t.name AS tracker, f.time, f.lat, f.lon, f.alt_m, f.speed_mps, f.course_deg,"
    " f.sats, f.hdop, f.quality, f.sentence, r.received_at"
    " FROM fixes f JOIN trackers t ON t.id = f.tracker_id"
    " LEFT JOIN raw_lines r ON r.id = f.raw_line_id"
    " WHERE f.id > ? ORDER BY f.id LIMIT ?"
)
_TELEMETRY = (
    "SELECT x.id, t.name AS tracker, x.time, x.seq, x.battery_v, x.temp_int_c, x.temp_ext_c,"
    " x.pressure_hpa, r.received_at"
    " FROM telemetry x JOIN trackers t ON t.id = x.tracker_id"
    " LEFT JOIN raw_lines r ON r.id = x.raw_line_id"
    " WHERE x.id > ? ORDER BY x.id LIMIT ?"
)
_LINK = (
    "SELECT l.id, t.name AS tracker, l.received_at, l.seq, l.rssi_dbm, l.snr_db,"
    " l.freq_error_hz, l.crc_ok, l.lost_before"
    " FROM link l JOIN trackers t ON t.id = l.tracker_id"
    " WHERE l.id > ? ORDER BY l.id LIMIT ?"
)
# One source's rejected lines after the last one seen, up to its id range's end. The ids come
# from the partial index of rejected lines (schema 4), so a poll reads only those: a range of ids
# would read every line after the last reject, all of a big import that has none.
_REJECTED = (
    "SELECT r.id, t.name AS tracker, r.received_at, r.reason"
    " FROM raw_lines r LEFT JOIN trackers t ON t.id = r.tracker_id"
    " WHERE r.id IN (SELECT id FROM raw_lines WHERE status = 'rejected' AND +id > ? AND +id < ?)"
    " ORDER BY r.id LIMIT ?"
)


def _time(text: str | None) -> datetime:
    return parse_iso(text) if text else datetime.now(UTC)


def _decoded(tracker: str | None, received: str | None, *records: Any, reason: str = "") -> Decoded:
    raw = RawLine("db", 0, _time(received), b"", live_clock=False)
    if reason:
        return Decoded(raw, "rejected", reason, tracker=tracker)
    return Decoded(raw, "ok", tracker=tracker, records=tuple(records))


def _fix(row: dict[str, Any]) -> Decoded:
    fix = Fix(
        row["tracker"], parse_iso(row["time"]), row["lat"], row["lon"], row["alt_m"],
        row["speed_mps"], row["course_deg"], row["sats"], row["hdop"], row["quality"],
        row["sentence"] or "",
    )  # fmt: skip
    return _decoded(row["tracker"], row["received_at"] or row["time"], fix)


def _telemetry(row: dict[str, Any]) -> Decoded:
    rec = Telemetry(
        row["tracker"], parse_iso(row["time"]) if row["time"] else None, row["seq"],
        row["battery_v"], row["temp_int_c"], row["temp_ext_c"], row["pressure_hpa"],
    )  # fmt: skip
    return _decoded(row["tracker"], row["received_at"] or row["time"], rec)


def _link(row: dict[str, Any]) -> Decoded:
    crc = None if row["crc_ok"] is None else bool(row["crc_ok"])
    rec = LinkQuality(
        row["tracker"], row["seq"], row["rssi_dbm"], row["snr_db"], row["freq_error_hz"], crc,
        row["lost_before"] or 0,
    )  # fmt: skip
    return _decoded(row["tracker"], row["received_at"], rec)


def _rejected(row: dict[str, Any]) -> Decoded:
    return _decoded(row["tracker"], row["received_at"], reason=row["reason"] or "rejected")


_QUERIES = (("fixes", _FIXES, _fix), ("telemetry", _TELEMETRY, _telemetry),
            ("link", _LINK, _link))  # fmt: skip


class FollowSource:
    """Follows a database another process writes: new rows, by rowid, every ~0.5 s."""

    def __init__(self, db: str | Path, *, interval: float = POLL_INTERVAL_S) -> None:
        self.db = Path(db)
        self.interval = interval
        self.last_ids: dict[str, int] = {name: 0 for name, _, _ in _QUERIES}
        self.last_rejected: dict[int, int] = {}
        """Per source id, the id of the last rejected line handed on: raw line ids are a
        source's number, then its line number, so one cursor over all sources would skip a
        reject that a source with a lower number stores later."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="db-follow", daemon=True)
        self._failure: str | None = None

    def start(self, inbox: Inbox) -> None:
        self._inbox = inbox
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)

    def error(self) -> str | None:
        return self._failure

    def _event(self, state: Any, detail: str) -> None:
        event = SourceEvent(f"db:{self.db}", self.db.name, datetime.now(UTC), state, detail)
        self._inbox.put_event(event)

    def _run(self) -> None:
        store: Store | None = None
        waiting = False
        while not self._stop.is_set():
            if store is None:
                if not self.db.exists():
                    if not waiting:
                        self._event("retrying", "waiting for the database to appear")
                        waiting = True
                    self._stop.wait(self.interval)
                    continue
                try:
                    store = Store(self.db, readonly=True)
                except StoreError as exc:
                    self._failure = str(exc)
                    self._event("error", str(exc))
                    self._stop.wait(self.interval * 4)
                    continue
                self._failure = None
                self._event("open", "following the database")
            try:
                more = self.poll(store)
            except Exception as exc:  # a locked or half-migrated database: try again soon
                log.debug("polling %s failed", self.db, exc_info=True)
                self._failure = f"cannot read {self.db}: {exc}"
                more = False
            if not more:
                self._stop.wait(self.interval)
        if store is not None:
            store.close()
        self._event("closed", "stopped following")

    def poll(self, store: Store) -> bool:
        """Hand on new rows of each table; True if a table had more than one poll's worth."""
        more = False
        for name, sql, convert in _QUERIES:
            try:
                rows = store.query(sql, (self.last_ids[name], POLL_LIMIT))
            except Exception as exc:
                if "no such table" in str(exc):  # an older schema: that table is not there
                    continue
                raise
            if rows:
                self.last_ids[name] = int(rows[-1]["id"])
                self._inbox.put([convert(r) for r in rows])
                more = more or len(rows) == POLL_LIMIT
        for (sid,) in store.conn.execute("SELECT id FROM sources ORDER BY id").fetchall():
            after = self.last_rejected.get(sid, sid << LINE_BITS)
            rows = store.query(_REJECTED, (after, (sid + 1) << LINE_BITS, POLL_LIMIT))
            if rows:
                self.last_rejected[sid] = int(rows[-1]["id"])
                self._inbox.put([_rejected(r) for r in rows])
                more = more or len(rows) == POLL_LIMIT
        return more
