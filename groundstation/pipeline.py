"""The one pipeline every use shares: bytes -> lines -> decoded records -> store and views.

A :class:`LineIngest` frames and decodes one source's bytes (its own framer and decoder state).
A :class:`Pipeline` hands what it decodes to the single :class:`BatchWriter` and to live
subscribers (the TUI), and keeps per-source counts for summaries. Listening to a port, replaying a
log at N x speed and bulk import differ only in where bytes come from and which clock stamps them.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from groundstation.decoding.fastpath import body_checksums
from groundstation.decoding.framing import LineFramer
from groundstation.decoding.nmea import StreamDecoder
from groundstation.decoding.packets import PacketAssembler
from groundstation.models import Decoded, Fix, RawLine, SourceEvent
from groundstation.store.writer import BatchWriter

log = logging.getLogger(__name__)

Subscriber = Callable[[Sequence[Decoded]], None]
EventSubscriber = Callable[[SourceEvent], None]


@dataclass(slots=True)
class Counts:
    """What one source delivered so far."""

    name: str
    lines: int = 0
    ok: int = 0
    fixes: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    _epochs: dict[str, datetime] = field(default_factory=dict)

    def add(self, decoded: Sequence[Decoded]) -> None:
        """Count lines; a fix is one tracker epoch (GGA and RMC of one time are one fix)."""
        self.lines += len(decoded)
        epochs = self._epochs
        for d in decoded:
            if d.status == "ok":
                self.ok += 1
                for rec in d.records:
                    if isinstance(rec, Fix) and epochs.get(rec.tracker) != rec.time:
                        epochs[rec.tracker] = rec.time
                        self.fixes += 1
            else:
                self.rejected += 1
                self.reasons[d.reason or "unknown"] += 1

    def summary(self) -> str:
        return f"{self.name}: {self.lines} lines, {self.fixes} fixes, {self.rejected} rejected"


class LineIngest:
    """Frames and decodes the bytes of one source, numbering its lines."""

    def __init__(
        self,
        key: str,
        default_tracker: str,
        *,
        first_line_no: int = 1,
        live_clock: bool = True,
        decoder: StreamDecoder | None = None,
        station: bool = False,
    ) -> None:
        self.key = key
        self.live_clock = live_clock
        self.next_line_no = first_line_no
        self.framer = LineFramer()
        self.decoder = decoder or StreamDecoder(default_tracker, station=station)
        self.packets = PacketAssembler(self.decoder)

    def feed(self, chunk: bytes, received_at: datetime) -> list[Decoded]:
        return self._decode(self.framer.feed(chunk), received_at)

    def finish(self, received_at: datetime) -> list[Decoded]:
        """End of stream (or the port vanished): the partial line and any unfinished packet."""
        return self._decode(self.framer.flush(), received_at) + self.packets.flush()

    def _decode(
        self, lines: list[tuple[bytes, str | None]], received_at: datetime
    ) -> list[Decoded]:
        out = []
        n = self.next_line_no
        feed = self.packets.feed
        key, live = self.key, self.live_clock
        # Every line's checksum at once (numpy), when there are enough lines for it to pay.
        xors = body_checksums([d for d, _ in lines]) if len(lines) > 64 else [None] * len(lines)
        for (data, error), xor in zip(lines, xors, strict=True):
            out += feed(RawLine(key, n, received_at, data, live, error), xor)
            n += 1
        self.next_line_no = n
        return out


class Pipeline:
    """Fans decoded lines out to the writer and live subscribers; thread-safe."""

    def __init__(self, writer: BatchWriter | None = None) -> None:
        self.writer = writer
        self._subscribers: list[Subscriber] = []
        self._event_subscribers: list[EventSubscriber] = []
        self.counts: dict[str, Counts] = {}
        self._lock = threading.Lock()

    def subscribe(self, fn: Subscriber) -> None:
        self._subscribers.append(fn)

    def subscribe_events(self, fn: EventSubscriber) -> None:
        self._event_subscribers.append(fn)

    @property
    def has_subscribers(self) -> bool:
        """Someone wants the decoded lines themselves, not only what is stored."""
        return bool(self._subscribers)

    def counts_for(self, key: str, name: str) -> Counts:
        with self._lock:
            return self.counts.setdefault(key, Counts(name))

    def publish(self, key: str, decoded: Sequence[Decoded]) -> None:
        if not decoded:
            return
        if self.writer is not None:
            self.writer.put(decoded)
        counts = self.counts.get(key)
        if counts is not None:
            counts.add(decoded)
        for fn in self._subscribers:
            try:
                fn(decoded)
            except Exception:  # a broken view must not stop ingest
                log.exception("subscriber failed")

    def event(self, event: SourceEvent) -> None:
        for fn in self._event_subscribers:
            try:
                fn(event)
            except Exception:
                log.exception("event subscriber failed")
