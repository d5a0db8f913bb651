"""Ingest jobs over the pipeline: import files, replay a log, listen to ports.

These are the library functions behind ``groundstation import``, ``replay`` and ``listen``; the
CLI only parses arguments and prints. Each job registers its source, runs the bytes through a
:class:`LineIngest` and hands the result to a :class:`Pipeline` whose writer stores it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from groundstation.models import Decoded, SourceEvent
from groundstation.pipeline import Counts, LineIngest, Pipeline
from groundstation.sources.files import file_key, read_chunks, spool_stdin
from groundstation.sources.serial_port import PortReader
from groundstation.store.database import Store, StoreError

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
MAX_REPLAY_GAP_S = 30.0
"""A replay waits at most this long (in log time) across a gap in the log."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    name: str
    key: str
    counts: Counts
    already_complete: bool


def _source_name(path: Path) -> str:
    return "stdin" if str(path) == "-" else path.name


def import_file(
    pipeline: Pipeline,
    store: Store,
    path: Path,
    *,
    tracker: str | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    day: date | None = None,
) -> ImportResult:
    """Import one log file (``-`` for stdin) as fast as possible."""
    spooled = None
    name = _source_name(path)
    if str(path) == "-":
        path = spooled = spool_stdin()
    try:
        key = file_key(path)
        info = store.register_source(key, name, "file")
        counts = pipeline.counts_for(key, info.name)
        if info.complete:
            if progress:
                progress(path.stat().st_size)
            return ImportResult(info.name, key, counts, True)
        ingest = LineIngest(key, tracker or info.name, live_clock=False)
        if day is not None:
            ingest.decoder.assume_date(day)
        ingest.decoder.learn_dates(_head(path))
        received = datetime.now(UTC)
        for chunk in read_chunks(path):
            if stop is not None and stop.is_set():
                break
            pipeline.publish(key, ingest.feed(chunk, received))
            if progress:
                progress(len(chunk))
        else:
            pipeline.publish(key, ingest.finish(received))
            writer = pipeline.writer
            # Complete only once every line is committed: a kill after this adds nothing more.
            if writer is not None and writer.flush(timeout=None) and writer.error is None:
                store.mark_complete(key)
        return ImportResult(info.name, key, counts, False)
    finally:
        if spooled is not None:
            os.unlink(spooled)


def replay_file(
    pipeline: Pipeline,
    store: Store,
    path: Path,
    *,
    speed: float = 1.0,
    tracker: str | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] | None = None,
    day: date | None = None,
) -> ImportResult:
    """Feed a log through the pipeline paced by its sentence times, ``speed`` times faster.

    ``speed`` 0 means as fast as possible. Lines are stored under the file's own source, so a
    replay of a log that was imported adds nothing to the database, but live views see it all.
    """
    stop = stop or threading.Event()
    sleep = sleep or stop.wait
    key = file_key(path)
    info = store.register_source(key, _source_name(path), "file")
    counts = pipeline.counts_for(key, info.name)
    ingest = LineIngest(key, tracker or info.name, live_clock=False)
    if day is not None:
        ingest.decoder.assume_date(day)
    ingest.decoder.learn_dates(_head(path))
    log_t0: datetime | None = None
    wall_t0 = clock()
    last_log: datetime | None = None
    for chunk in read_chunks(path, 64 * 1024):
        pending: list[Decoded] = []
        for d in ingest.feed(chunk, datetime.now(UTC)):
            if stop.is_set():
                return ImportResult(info.name, key, counts, False)
            fixes = d.fixes if speed > 0 else ()
            if fixes:
                t = fixes[0].time
                if log_t0 is None:
                    log_t0 = last_log = t
                elif last_log is not None and t > last_log:
                    gap = (t - last_log).total_seconds()
                    if gap > MAX_REPLAY_GAP_S:  # compress long gaps
                        log_t0 += (t - last_log) - timedelta(seconds=MAX_REPLAY_GAP_S)
                    last_log = t
                    due = wall_t0 + (t - log_t0).total_seconds() / speed
                    wait = due - clock()
                    if wait > 0:
                        pipeline.publish(key, pending)
                        pending = []
                        sleep(wait)
            pending.append(d)
        pipeline.publish(key, pending)
    pipeline.publish(key, ingest.finish(datetime.now(UTC)))
    if pipeline.writer is not None:
        pipeline.writer.flush()
    return ImportResult(info.name, key, counts, False)


def _head(path: Path, size: int = 256 * 1024) -> bytes:
    with path.open("rb") as fh:
        return fh.read(size)


class Listener:
    """Reads serial ports through the pipeline until :meth:`stop`."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: Store,
        ports: Sequence[str],
        *,
        baud: int = 9600,
        tracker: str | None = None,
        station_ports: Sequence[str] = (),
        live_clock: bool = True,
    ) -> None:
        """``station_ports`` carry the ground station's own GPS: their fixes are the station's
        position (a chase car moves), not a tracker's. ``live_clock=False`` skips the check of fix
        times against the receive time (an emulator sped up sends fixes from its own clock)."""
        self.pipeline = pipeline
        self.readers: list[PortReader] = []
        for port in [*ports, *station_ports]:
            station = port in station_ports
            reader_key = f"serial:{port}"
            info = store.register_source(reader_key, port, "station" if station else "serial")
            pipeline.counts_for(reader_key, port)
            ingest = LineIngest(
                reader_key,
                tracker or port,
                first_line_no=info.next_line_no,
                station=station,
                live_clock=live_clock,
            )
            lock = threading.Lock()

            def on_bytes(
                data: bytes,
                when: datetime,
                ingest: LineIngest = ingest,
                lock: threading.Lock = lock,
            ) -> None:
                with lock:
                    pipeline.publish(ingest.key, ingest.feed(data, when))

            def on_event(
                event: SourceEvent, ingest: LineIngest = ingest, lock: threading.Lock = lock
            ) -> None:
                if event.state in ("lost", "closed"):
                    with lock:  # a partial line before the port vanished is still a line
                        pipeline.publish(ingest.key, ingest.finish(event.time))
                pipeline.event(event)

            self.readers.append(PortReader(port, on_bytes, on_event, baud=baud))

    def start(self) -> Listener:
        for r in self.readers:
            r.start()
        return self

    def stop(self) -> None:
        for r in self.readers:
            r.stop()


def open_store(path: str | Path) -> Store:
    """Open (creating and migrating) the database, or raise StoreError with a plain message."""
    p = Path(path)
    if p.parent and not p.parent.exists():
        raise StoreError(f"cannot create the database {p}: the folder {p.parent} does not exist")
    return Store(p)
