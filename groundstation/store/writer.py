"""The one writer: a thread that commits decoded lines in time-bounded batches.

Producers (port readers, file importers) call :meth:`BatchWriter.put`; the writer thread takes
everything queued and commits it as soon as nothing more is waiting (but not before the oldest
item is ``min_delay`` old), and at the latest when it is ``max_delay`` old or ``max_batch``
items are waiting. A live fix is therefore in the database within milliseconds when the writer
keeps up, and never later than ~``max_delay``; a bulk import (``min_delay`` = ``max_delay``)
commits in large batches.

When a commit fails (disk full, database locked for longer than the busy timeout, read-only
file), ``error`` says why and what happens depends on ``hold_on_error``:

- ``True`` (live ports): the writer keeps the lines in memory, keeps taking new ones (a port
  reader never waits for the disk), and retries every ``retry_interval`` seconds until a commit
  succeeds; ``on_error`` hears the message once, and ``None`` when writing works again. At most
  ``max_held`` lines are held (a day of a saturated 9600-baud link is about 1.2M lines); lines
  beyond that are counted in ``dropped``. Lines still unstored when the writer is closed are
  counted in ``lost``.
- ``False`` (file imports, which can be run again): the first failed commit stops the writer;
  :meth:`put` then raises :class:`StoreError` so the producer stops at once instead of filling
  memory. The file's source is not marked complete, so importing it again continues.

``close`` stops after a final commit.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from groundstation.models import Decoded
from groundstation.store.database import Rows, Store, StoreError, describe_error, to_rows

log = logging.getLogger(__name__)

_STOP = object()


class _Batch:
    """Rows waiting for one commit; its length is the number of lines they hold."""

    __slots__ = ("lines", "parts")

    def __init__(self) -> None:
        self.parts: list[Rows] = []
        self.lines = 0

    def add(self, rows: Rows) -> None:
        self.parts.append(rows)
        self.lines += rows.lines

    def __len__(self) -> int:
        return self.lines


def _lines(item: object) -> int:
    return item.lines if isinstance(item, Rows) else len(item)  # type: ignore[arg-type]


class BatchWriter:
    def __init__(
        self,
        path: str | Path,
        *,
        max_delay: float = 0.1,
        min_delay: float = 0.0,
        max_batch: int = 20_000,
        max_queue: int = 0,
        retry_interval: float = 1.0,
        hold_on_error: bool = True,
        max_held: int = 1_000_000,
        on_commit: Callable[[int], None] | None = None,
        on_error: Callable[[str | None], None] | None = None,
    ) -> None:
        self.path = str(path)
        self.max_delay = max_delay
        self.min_delay = min_delay
        self.max_batch = max_batch
        self.retry_interval = retry_interval
        self.hold_on_error = hold_on_error
        self.max_held = max_held
        self._queue: queue.Queue[object] = queue.Queue(max_queue)
        self._on_commit = on_commit
        self._on_error = on_error
        self.error: str | None = None
        self.committed = 0
        self.pending = 0
        self.dropped = 0
        """Lines not held because ``max_held`` lines were already waiting for the database."""
        self.lost = 0
        """Lines that were never stored: held at close, dropped, or discarded after a failure."""
        self.failed = False
        """``hold_on_error`` is off and a commit failed: the writer takes nothing more."""
        self._store: Store | None = None
        self._thread = threading.Thread(target=self._run, name="db-writer", daemon=True)
        self._started = False
        self._failed_open: BaseException | None = None
        self._ready = threading.Event()

    def start(self) -> BatchWriter:
        self._thread.start()
        self._started = True
        self._ready.wait()
        if self._failed_open is not None:
            raise self._failed_open
        return self

    def put(self, items: Sequence[Decoded]) -> None:
        if self.failed:
            raise StoreError(self.error or f"cannot write to the database {self.path}")
        if items:
            self._queue.put(items)

    def put_rows(self, rows: Rows) -> None:
        """Like :meth:`put`, for lines already made into rows (:func:`to_rows`)."""
        if self.failed:
            raise StoreError(self.error or f"cannot write to the database {self.path}")
        if rows.lines:
            self._queue.put(rows)

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until everything put so far is committed (or given up on); False if ``timeout``
        passed first (``None``: no limit) or the writer thread is gone."""
        done = threading.Event()
        self._queue.put(done)
        deadline = None if timeout is None else time.monotonic() + timeout
        while not done.wait(0.2):
            if not self._thread.is_alive() or (
                deadline is not None and time.monotonic() > deadline
            ):
                return done.is_set()
        return True

    def close(self, timeout: float = 60.0) -> None:
        if self._started:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._started = False

    # -- the thread --------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._store = Store(self.path)
        except BaseException as exc:  # handed to start()'s caller
            self._failed_open = exc
            self._ready.set()
            return
        self._ready.set()
        batch = _Batch()
        waiters: list[threading.Event] = []
        oldest = 0.0
        stopping = False
        q = self._queue
        while True:
            timeout: float | None
            if stopping:
                timeout = 0.0
            elif batch:
                timeout = max(0.0, oldest + self.max_delay - time.monotonic())
            else:
                timeout = None
            try:
                item = q.get(timeout=timeout) if timeout != 0.0 else q.get_nowait()
            except queue.Empty:
                item = None
            if item is _STOP:
                stopping = True
            elif isinstance(item, threading.Event):
                waiters.append(item)
            elif item is not None:
                if not batch:
                    oldest = time.monotonic()
                self._take(batch, item)  # type: ignore[arg-type]
                if len(batch) < self.max_batch and not q.empty():
                    continue  # take what is already queued before committing
            age = time.monotonic() - oldest
            due = batch and (
                stopping
                or waiters
                or len(batch) >= self.max_batch
                or age >= self.max_delay
                or (age >= self.min_delay and q.empty())  # idle: commit now (group commit)
            )
            if due:
                if self._commit(batch):
                    batch = _Batch()
                    self.pending = 0
                elif stopping or not self.hold_on_error:
                    self._give_up(batch)
                    batch = _Batch()
                    if not stopping:  # producers may still put: take and count until close
                        for w in waiters:
                            w.set()
                        waiters.clear()
                        self._discard(q)
                    break
                else:
                    stopping = self._hold(batch, waiters)
                    continue
            if not batch:
                for w in waiters:
                    w.set()
                waiters.clear()
            if stopping and q.empty() and not batch:
                break
        for w in waiters:
            w.set()
        self._store.close()

    def _hold(self, batch: _Batch, waiters: list[threading.Event]) -> bool:
        """After a failed commit: keep taking lines for ``retry_interval``, up to ``max_held``.

        Returns True if the writer was asked to stop meanwhile."""
        deadline = time.monotonic() + self.retry_interval
        stopping = False
        while (left := deadline - time.monotonic()) > 0 and not stopping:
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if item is _STOP:
                stopping = True
            elif isinstance(item, threading.Event):
                waiters.append(item)
            else:
                self._take(batch, item)  # type: ignore[arg-type]
        return stopping

    def _take(self, batch: _Batch, items: Sequence[Decoded] | Rows) -> None:
        """Add lines to the batch; while the database fails, hold at most ``max_held``."""
        count = _lines(items)
        if self.error is not None and len(batch) + count > self.max_held:
            room = max(0, self.max_held - len(batch))
            if isinstance(items, Rows):
                room = 0  # made elsewhere: held whole or not at all
            if not self.dropped:
                log.error("%d lines are waiting for the database: dropping new lines", len(batch))
            self.dropped += count - room
            self.lost += count - room
            if not room:
                return
            items = items[:room]  # type: ignore[index]
        if isinstance(items, Rows):
            batch.add(items)
        else:
            assert self._store is not None
            batch.add(to_rows(items, self._store.source_id, self._store.row_tracker_ids()))
        self.pending = len(batch)

    def _give_up(self, batch: _Batch) -> None:
        self.lost += len(batch)
        self.pending = 0
        self.failed = not self.hold_on_error
        level = logging.INFO if self._on_error or not self.hold_on_error else logging.ERROR
        log.log(level, "giving up: %d lines could not be stored", len(batch))

    def _discard(self, q: queue.Queue[object]) -> None:
        """After giving up: count and drop what producers still put, until :meth:`close`."""
        while (item := q.get()) is not _STOP:
            if isinstance(item, threading.Event):
                item.set()
            else:
                self.lost += _lines(item)

    def _commit(self, batch: _Batch) -> bool:
        assert self._store is not None
        try:
            self._store.write_rows(batch.parts)
        except sqlite3.Error as exc:
            message = describe_error(exc, self.path)
            if message != self.error:
                # The caller reports it when it asked to hear (on_error) or will see it raised.
                quiet = self._on_error is not None or not self.hold_on_error
                log.log(
                    logging.INFO if quiet else logging.WARNING,
                    "%s (%d lines not stored yet)",
                    message,
                    len(batch),
                )
                self.error = message
                if self._on_error:
                    self._on_error(message)
            return False
        self.committed += len(batch)
        if self.error is not None:
            self.error = None
            if self._on_error:
                self._on_error(None)
        if self._on_commit:
            self._on_commit(len(batch))
        return True
