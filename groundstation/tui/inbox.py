"""Where ingest threads leave records for the UI thread: a locked list swapped out on each drain.

Pipeline callbacks run in ingest threads and must never touch widgets or wait for the screen.
They append here (a lock held for one ``list.append``) and return; the app drains the inbox a few
times a second in its own thread, so a flood of packets costs one screen update per drain.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from groundstation.models import Decoded, SourceEvent


class Inbox:
    """A thread-safe buffer of decoded batches and source events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._batches: list[tuple[float, Sequence[Decoded]]] = []
        self._events: list[SourceEvent] = []

    def put(self, batch: Sequence[Decoded]) -> None:
        """A pipeline subscriber: called from ingest threads."""
        if batch:
            item = (time.monotonic(), batch)
            with self._lock:
                self._batches.append(item)

    def put_event(self, event: SourceEvent) -> None:
        with self._lock:
            self._events.append(event)

    def take(self) -> tuple[list[tuple[float, Sequence[Decoded]]], list[SourceEvent]]:
        """Everything queued so far (each batch with the monotonic time it arrived)."""
        with self._lock:
            batches, self._batches = self._batches, []
            events, self._events = self._events, []
        return batches, events
