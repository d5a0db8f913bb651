"""The one writer: a thread that commits decoded lines in time-bounded batches.

Producers (port readers, file importers) call :meth:`BatchWriter.put`; the writer thread takes
everything queued, and commits it when the oldest item has waited ``max_delay`` seconds or
``max_batch`` items are waiting. A live fix is therefore in the database within ~``max_delay``;
a bulk import commits in large batches.

When a commit fails (disk full, database locked for longer than the busy timeout, read-only
file) the batch is kept, ``error`` says why, and the writer retries every ``retry_interval``
seconds: lines are held in memory, not dropped. ``close`` stops after a final commit.
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
from groundstation.store.database import Store, describe_error

log = logging.getLogger(__name__)

_STOP = object()


class BatchWriter:
    def __init__(
        self,
        path: str | Path,
        *,
        max_delay: float = 0.1,
        max_batch: int = 20_000,
        max_queue: int = 0,
        retry_interval: float = 1.0,
        on_commit: Callable[[int], None] | None = None,
        on_error: Callable[[str | None], None] | None = None,
    ) -> None:
        self.path = str(path)
        self.max_delay = max_delay
        self.max_batch = max_batch
        self.retry_interval = retry_interval
        self._queue: queue.Queue[object] = queue.Queue(max_queue)
        self._on_commit = on_commit
        self._on_error = on_error
        self.error: str | None = None
        self.committed = 0
        self.pending = 0
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
        if items:
            self._queue.put(items)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything put so far is committed (or ``timeout`` passes)."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

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
        batch: list[Decoded] = []
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
                batch.extend(item)  # type: ignore[arg-type]
                self.pending = len(batch)
                if len(batch) < self.max_batch and not q.empty():
                    continue  # take what is already queued before committing
            due = batch and (
                stopping
                or waiters
                or len(batch) >= self.max_batch
                or time.monotonic() - oldest >= self.max_delay
            )
            if due:
                if self._commit(batch):
                    batch = []
                    self.pending = 0
                elif stopping:
                    log.error("giving up: %d lines could not be stored", len(batch))
                    break
                else:
                    time.sleep(self.retry_interval)
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

    def _commit(self, batch: list[Decoded]) -> bool:
        assert self._store is not None
        try:
            self._store.write(batch)
        except sqlite3.Error as exc:
            message = describe_error(exc, self.path)
            if message != self.error:
                log.warning("%s (holding %d lines, retrying)", message, len(batch))
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
