"""Ingest jobs over the pipeline: import files, replay a log, listen to ports.

These are the library functions behind ``groundstation import``, ``replay`` and ``listen``; the
CLI only parses arguments and prints. Each job registers its source, runs the bytes through a
:class:`LineIngest` and hands the result to a :class:`Pipeline` whose writer stores it.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from groundstation import worker as decoding
from groundstation.models import Decoded, SourceEvent
from groundstation.pipeline import Counts, LineIngest, Pipeline, RowSink
from groundstation.sources.files import SourceError, file_key, read_chunks, spool_stdin
from groundstation.sources.serial_port import PortReader
from groundstation.store.database import Store, StoreError, TrackerIds

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
    worker: subprocess.Popen[bytes] | None = None,
) -> ImportResult:
    """Import one log file (``-`` for stdin) as fast as possible. ``worker``: a decoding process
    started for it beforehand (:mod:`groundstation.worker`), used when the file is decoded in
    one, else ended."""
    spooled = None
    name = _source_name(path)
    if str(path) == "-":
        path = spooled = spool_stdin()
    writer = pipeline.writer
    try:
        if writer is not None and not pipeline.has_subscribers and decoding.big_enough(path):
            worker = worker or decoding.start()  # it starts up while this reads the file's key
        elif worker is not None:
            decoding.end(worker)
            worker = None
        key = file_key(path)
        info = store.register_source(key, name, "file")
        counts = pipeline.counts_for(key, info.name)
        if info.complete:
            if progress:
                progress(path.stat().st_size)
            return ImportResult(info.name, key, counts, True)
        received = datetime.now(UTC)
        if worker is not None:
            assert writer is not None
            job = _Job(
                path, key, info.id, info.name, tracker or info.name, day, received, store.trackers()
            )
            with _rare_collections():
                finished = _import_in_worker(worker, job, pipeline, counts, progress, stop)
            # Complete only once every line is committed: a kill after this adds nothing more.
            if finished and writer.flush(timeout=None) and writer.error is None:
                store.mark_complete(key)
            return ImportResult(info.name, key, counts, False)
        ingest = LineIngest(key, tracker or info.name, live_clock=False)
        if day is not None:
            ingest.decoder.assume_date(day)
        ingest.decoder.learn_dates(_head(path))
        for chunk in read_chunks(path):
            if stop is not None and stop.is_set():
                break
            pipeline.publish(key, ingest.feed(chunk, received))
            if progress:
                progress(len(chunk))
        else:
            pipeline.publish(key, ingest.finish(received))
            # Complete only once every line is committed: a kill after this adds nothing more.
            if writer is not None and writer.flush(timeout=None) and writer.error is None:
                store.mark_complete(key)
        return ImportResult(info.name, key, counts, False)
    finally:
        if worker is not None:
            decoding.end(worker)
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


@dataclass(frozen=True, slots=True)
class _Job:
    """What the decoding process of a bulk import needs to know."""

    path: Path
    key: str
    source_id: int
    name: str
    tracker: str
    day: date | None
    received: datetime
    trackers: dict[str, int]
    """The database's trackers when the import began, by name (:class:`TrackerIds`)."""


def _import_in_worker(
    proc: subprocess.Popen[bytes],
    job: _Job,
    pipeline: Pipeline,
    counts: Counts,
    progress: Progress | None,
    stop: threading.Event | None,
) -> bool:
    """Decode in the second process ``proc`` (:func:`groundstation.worker.start`), write here;
    True when it finished.

    The worker frames and decodes with the very code an in-process import runs and sends rows
    ready for the tables (:class:`RowSink`) through a pipe, a chunk at a time; the pipe and the
    writer's bounded queue hold it back when the disk is slower, so memory stays flat."""
    writer = pipeline.writer
    assert writer is not None
    assert proc.stdin is not None and proc.stdout is not None
    done = False
    try:
        try:
            pickle.dump(job, proc.stdin)
            proc.stdin.close()
        except OSError:  # it ended while it started up: its exit status says how, below
            pass
        while not (stop is not None and stop.is_set()):
            try:
                message = pickle.load(proc.stdout)
            except EOFError:
                break
            if message[0] == "rows":
                writer.put_rows(message[1])
                if progress and message[2]:
                    progress(message[2])
            else:  # "done", with the worker's counts
                lines, ok, fixes, rejected, reasons = message[1]
                counts.lines += lines
                counts.ok += ok
                counts.fixes += fixes
                counts.rejected += rejected
                counts.reasons.update(reasons)
                done = True
                break
    finally:
        if not done:
            proc.kill()
    code = proc.wait()
    if not done and not (stop is not None and stop.is_set()):
        raise SourceError(f"decoding {job.path} failed (the decoding process ended with {code})")
    return done


def decode_worker() -> None:
    """The decoding process of a bulk import: a pickled :class:`_Job` on stdin, pickled
    ``("rows", Rows, bytes read)`` messages and a final ``("done", counts)`` on stdout.
    When the importing process is gone (it was killed), this one ends quietly. Ctrl-C is
    ignored before this runs (:data:`groundstation.worker._WORKER_MAIN`): the importing process
    decides when to stop."""
    try:
        _decode_job()
    except (BrokenPipeError, EOFError):  # nobody left to read the rows or send the job
        os._exit(1)  # (not exit: flushing stdout would fail, loudly, once more)


@contextlib.contextmanager
def _rare_collections() -> Iterator[None]:
    """Collect garbage rarely while rows stream through: decoding them (the worker) and taking
    them in (the importing process) makes millions of short-lived objects and almost no
    reference cycles. The youngest generation is collected about 70 times less often than by
    default (700 allocations), the older two half as often. Measured on a 1M-line import: 6 %
    less CPU in the worker; in the importing process ~8 % less (7-20 % on single runs)."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _decode_job() -> None:
    with _rare_collections():
        _decode_rows()


def _decode_rows() -> None:
    # numpy (the chunks' checksums) loads while the job is on its way: the importing process
    # sends it once it has opened the database and hashed the file, which takes longer.
    import numpy  # noqa: F401

    job: _Job = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    ingest = LineIngest(job.key, job.tracker, live_clock=False)
    if job.day is not None:
        ingest.decoder.assume_date(job.day)
    ingest.decoder.learn_dates(_head(job.path))
    counts = Counts(job.name)
    # A tracker the database did not have gets the id the writer will give it, if no other
    # writer adds a tracker meanwhile (else the writer renumbers the rows).
    tracker_ids = TrackerIds.after(job.trackers)
    sink = RowSink(counts, {job.key: job.source_id}.__getitem__, tracker_ids)
    received = job.received
    for chunk in read_chunks(job.path):
        ingest.feed_rows(chunk, received, sink)
        _send(out, ("rows", sink.take(), len(chunk)))
    ingest.finish_rows(received, sink)
    _send(out, ("rows", sink.take(), 0))
    summary = (counts.lines, counts.ok, counts.fixes, counts.rejected, dict(counts.reasons))
    _send(out, ("done", summary))
    out.flush()


def _send(out: BinaryIO, message: tuple[object, ...]) -> None:
    """Pickle a message to the importing process without the pickler's memo: rows are plain
    trees of tuples, lists and atoms (no cycles), and remembering each of their objects took
    ~40 % of the time pickling them; the few objects they share (a receive time, a callsign)
    are sent again instead (~15 % more bytes)."""
    pickler = pickle.Pickler(out, pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(AttributeError):  # (a Python without the attribute: memo it is)
        pickler.fast = True
    pickler.dump(message)


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
