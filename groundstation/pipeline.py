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

from firmware_protocol.packet import MAX_PACKET_LINES
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

    whole_packets = True
    """Hand a packet whose lines all came in one chunk to the assembler at once (it decodes an
    intact one without the bookkeeping a damaged one needs); tests compare with line by line."""

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
        out: list[Decoded] = []
        n = self.next_line_no
        packets = self.packets
        feed = packets.feed
        key, live = self.key, self.live_clock
        # Every line's checksum at once (numpy), when there are enough lines for it to pay.
        count = len(lines)
        xors: list[int | None] = (
            list(body_checksums([d for d, _ in lines])) if count > 64 else [None] * count
        )
        i = 0
        while i < count:
            data, error = lines[i]
            if data.startswith(b"$PHABT,") and error is None and self.whole_packets:
                end = _packet_end(lines, i)
                if end > i:  # a whole packet in this chunk: decoded at once when it is intact
                    raws = [
                        RawLine(key, n + k, received_at, lines[j][0], live)
                        for k, j in enumerate(range(i, end + 1))
                    ]
                    got = packets.packet(raws, xors[i : end + 1])
                    if got is not None:
                        out += got
                        n += len(raws)
                        i = end + 1
                        continue
            out += feed(RawLine(key, n, received_at, data, live, error), xors[i])
            n += 1
            i += 1
        self.next_line_no = n
        return out


def _packet_end(lines: list[tuple[bytes, str | None]], start: int) -> int:
    """The index of the end line of the packet whose header is at ``start``, if it comes within
    the packet's line limit with no framing error, other header or UKHAS line on the way; -1
    otherwise."""
    for j in range(start + 1, min(start + MAX_PACKET_LINES, len(lines))):
        data, error = lines[j]
        if error is not None or data.startswith((b"$PHABT,", b"$$")):
            return -1
        if data.startswith(b"$PHABE"):
            return j
    return -1


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
