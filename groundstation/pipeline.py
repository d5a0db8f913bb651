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
from groundstation.decoding import lean
from groundstation.decoding.fastpath import body_checksums, unsealed_starts
from groundstation.decoding.framing import LineFramer
from groundstation.decoding.nmea import StreamDecoder
from groundstation.decoding.packets import PacketAssembler, closes
from groundstation.models import (
    Decoded,
    Fix,
    IntactPacket,
    LinkQuality,
    RawLine,
    Record,
    SourceEvent,
)
from groundstation.store.database import RowBuilder, Rows, TrackerIds
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
        for d in decoded:
            if d.status == "ok":
                self.add_ok(d.records)
            else:
                self.lines += 1
                self.rejected += 1
                self.reasons[d.reason or "unknown"] += 1

    def add_ok(self, records: Sequence[Record], lines: int = 1) -> None:
        """Lines decoded (one, unless told), with these records among them."""
        self.lines += lines
        self.ok += lines
        epochs = self._epochs
        for rec in records:
            if isinstance(rec, Fix) and epochs.get(rec.tracker) != rec.time:
                epochs[rec.tracker] = rec.time
                self.fixes += 1

    def add_epoch(self, tracker: str, time: datetime, lines: int) -> None:
        """:meth:`add_ok` of lines whose records are fixes of one tracker's one epoch."""
        self.lines += lines
        self.ok += lines
        if self._epochs.get(tracker) != time:
            self._epochs[tracker] = time
            self.fixes += 1

    def summary(self) -> str:
        return f"{self.name}: {self.lines} lines, {self.fixes} fixes, {self.rejected} rejected"


class RowSink:
    """Where a bulk import's decoding process puts what it decodes: rows for the tables
    (:class:`RowBuilder`) and the counts, a line at a time in the source's order."""

    def __init__(
        self,
        counts: Counts,
        source_id: Callable[[str], int],
        tracker_ids: Callable[[str], int] | None = None,
    ) -> None:
        """``tracker_ids``: the ids the rows give trackers, by name (a :class:`TrackerIds`
        for the whole source, by default a new one)."""
        self.counts = counts
        self._source_id = source_id
        self._tracker_ids = TrackerIds() if tracker_ids is None else tracker_ids
        self.builder = RowBuilder(source_id, self._tracker_ids)

    def add(self, decoded: Sequence[Decoded]) -> None:
        self.counts.add(decoded)
        self.builder.add(decoded)

    def add_radio(
        self, source: str, received_at: datetime, line_no: int, text: str, link: LinkQuality
    ) -> None:
        """A ``$PHABR`` line a :mod:`lean` reader took (:meth:`PacketAssembler.radio`)."""
        self.builder.at(source, received_at)
        self.builder.radio(line_no, text, link)
        counts = self.counts
        counts.lines += 1
        counts.ok += 1

    def add_packet(
        self, source: str, received_at: datetime, first_line_no: int, packet: IntactPacket
    ) -> None:
        """The lines of a packet that decoded whole (:meth:`PacketAssembler.intact`)."""
        builder = self.builder
        builder.at(source, received_at)
        builder.packet(first_line_no, packet)
        self.counts.add_ok(packet.fixes, len(packet.texts))

    def add_steady(
        self,
        source: str,
        received_at: datetime,
        first_line_no: int,
        texts: list[str],
        when: datetime,
        head: lean.Header,
        gga: lean.Position,
        rmc: lean.Position,
        radio: lean.Radio | None,
    ) -> None:
        """:meth:`add_packet` of a packet :meth:`PacketAssembler.steady_read` took (at
        ``when``): the same rows and counts, from what its lines read as; and with ``radio``,
        :meth:`add_radio` of the line after it (last in ``texts``), the same tracker's."""
        builder = self.builder
        builder.at(source, received_at)
        builder.steady(first_line_no, texts, when, head, gga, rmc, radio)
        self.counts.add_epoch(head[0], when, len(texts))  # (its GGA and RMC are one fix)

    def take(self) -> Rows:
        """The rows so far; the sink starts again empty."""
        rows = self.builder.finish()
        self.builder = RowBuilder(self._source_id, self._tracker_ids)
        return rows


class LineIngest:
    """Frames and decodes the bytes of one source, numbering its lines."""

    whole_packets = True
    """Hand a packet whose lines all came in one chunk to the assembler at once (it decodes an
    intact one without the bookkeeping a damaged one needs); tests compare with line by line."""

    whole_chunks = True
    """In :meth:`feed_rows`, find the commonest intact packets in a whole chunk at once
    (:data:`lean.PACKET`); tests compare with a packet at a time."""

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

    def feed_rows(self, chunk: bytes, received_at: datetime, sink: RowSink) -> None:
        """:meth:`feed`, straight into rows for the tables: the same rows and counts as the
        decoded lines :meth:`feed` gives, made without them where a packet is plainly intact."""
        if (
            self.whole_chunks
            and self.whole_packets
            and not self.live_clock
            and b"$PHABT," in chunk  # (a log of other sentences: nothing to look for)
        ):
            held = self.framer.drain()
            if held is not None:
                self._read_packets(held + chunk, received_at, sink)
                return
        self._decode(self.framer.feed(chunk), received_at, sink)

    def finish_rows(self, received_at: datetime, sink: RowSink) -> None:
        """:meth:`finish`, straight into rows (see :meth:`feed_rows`)."""
        self._decode(self.framer.flush(), received_at, sink)
        sink.add(self.packets.flush())

    def _read_packets(self, data: bytes, received_at: datetime, sink: RowSink) -> None:
        """Frame and decode ``data`` (whole lines, then a partial one the framer keeps) into
        ``sink``: a packet :data:`lean.PACKET` matches, whose checksums hold, read at once by the
        :mod:`lean` readers; the bytes between such packets, and any packet the readers or
        the decoder would judge otherwise, through the framer and :meth:`_decode` in order.

        A match starts at a line's start and its lines are lines the framer hands on whole, so
        the bytes before it are whole lines too: the two ways frame the same lines."""
        text = data.decode("latin-1")
        unsealed = unsealed_starts(data)
        unsealed.append(len(data))  # past every match
        u = 0
        key, packets, framer = self.key, self.packets, self.framer
        header_fields, gga_fields, rmc_fields = lean.header_fields, lean.gga_fields, lean.rmc_fields
        done = 0  # the bytes before this are framed and decoded
        arrival = RawLine(key, 0, received_at, b"", False)  # (when the packets came: one chunk)
        for match in lean.PACKET.finditer(text):
            start, stop = match.span()
            while unsealed[u] < start:
                u += 1
            if unsealed[u] < stop:
                continue  # a line's checksum is wrong: the decoder's way says how
            if start > done:
                self._decode(framer.feed(data[done:start]), received_at, sink)
                done = start
            if not packets.idle:
                continue
            g = match.groups()  # each line, then its fields: the lines are groups 1, 10, 22, 33, 37
            head, gga, rmc = header_fields(g[1:9]), gga_fields(g[10:21]), rmc_fields(g[22:32])
            if head is None or gga is None or rmc is None:
                continue
            end_at = match.start(33)
            body = data[start:end_at]
            if body.count(b"\r\n") != 3:  # LF endings (or mixed): the CRC counts CRLF
                body = body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            end = lean.end_fields(g[33:36])
            if not closes(head, end, body):
                continue  # (the decoder's way says how)
            texts = [g[0], g[9], g[21], g[32]]
            n = self.next_line_no
            when = packets.steady_read(head, gga, rmc)
            if when is not None:
                # The radio line that follows, when it is this tracker's and plain, goes with
                # the packet's rows (it is decoded on its own all the same: nothing of it
                # depends on the packet).
                radio = lean.radio_fields(g[37:42]) if g[36] is not None else None
                if radio is not None and radio[0] == head[0]:
                    texts.append(g[36])
                    sink.add_steady(key, received_at, n, texts, when, head, gga, rmc, radio)
                    self.next_line_no = n + 5
                    done = stop
                    continue
                sink.add_steady(key, received_at, n, texts, when, head, gga, rmc, None)
            else:
                packet = packets.intact_read(texts, head, end, [gga, rmc], body, arrival)
                if packet is None:
                    continue
                sink.add_packet(key, received_at, n, packet)
            n += 4
            done = stop
            if g[36] is not None:
                radio = lean.radio_fields(g[37:42])
                if radio is None:
                    done = match.start(37)  # the decoder's way
                else:
                    sink.add_radio(key, received_at, n, g[36], LinkQuality(*radio))
                    n += 1
            self.next_line_no = n
        self._decode(framer.feed(data[done:]), received_at, sink)

    def _decode(
        self,
        lines: list[tuple[bytes, str | None]],
        received_at: datetime,
        sink: RowSink | None = None,
    ) -> list[Decoded]:
        """Decode framed lines: into the list returned, or into ``sink`` (then the list is
        empty), where a packet or radio line that is plainly good skips the decoded lines."""
        out: list[Decoded] = []
        emit = out.extend if sink is None else sink.add
        n = self.next_line_no
        packets = self.packets
        feed = packets.feed
        key, live = self.key, self.live_clock
        lean = sink is not None and not live and self.whole_packets
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
                    header = RawLine(key, n, received_at, data, live)
                    if sink is not None and lean:
                        datas = [lines[j][0] for j in range(i, end + 1)]
                        intact = packets.intact(datas, xors[i : end + 1], header)
                        if intact is not None:
                            sink.add_packet(key, received_at, n, intact)
                            n += len(datas)
                            i = end + 1
                            continue
                    raws = [header] + [
                        RawLine(key, n + k, received_at, lines[j][0], live)
                        for k, j in enumerate(range(i + 1, end + 1), start=1)
                    ]
                    got = packets.packet(raws, xors[i : end + 1])
                    if got is not None:
                        emit(got)
                        n += len(raws)
                        i = end + 1
                        continue
            elif sink is not None and lean and error is None and data.startswith(b"$PHABR,"):
                radio = packets.radio(data, xors[i])
                if radio is not None:
                    sink.add_radio(key, received_at, n, data.decode("latin-1"), radio)
                    n += 1
                    i += 1
                    continue
            emit(feed(RawLine(key, n, received_at, data, live, error), xors[i]))
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
