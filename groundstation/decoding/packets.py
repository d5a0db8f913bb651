"""Packets of our protocol: holding a packet's lines until its CRC16 says whether to trust them.

NMEA's 8-bit XOR lets one random corruption in 256 through; the packet's CRC16 (firmware_protocol
SPEC.md) catches what it misses. :class:`PacketAssembler` decodes every line but holds the lines of
an open packet (from ``$PHABT`` to ``$PHABE``) and releases them together:

- CRC matches: every line as decoded, and a link row (``crc_ok`` true, packets lost before it);
- CRC mismatch: lines that passed their own checksum are rejected too ("packet failed its CRC16
  check"), since nobody can tell which of them was damaged; their raw text is still stored, and
  they count against the packet's tracker only if that callsign was already seen in a good packet;
- the end line never came (a new header, too many lines, the end of the stream) or is itself
  damaged: the lines are judged by their own checksums and plausibility, and the link row says
  the CRC was not checked (``crc_ok`` NULL).

On a link that has carried our packets, standard NMEA outside a packet has lost its header: it is
held until the packet's end line names the tracker (then decoded as that tracker's, ``crc_ok``
NULL), or rejected as "sentence outside a packet" when the end line is lost too. Plain NMEA on a
link that never carried a packet belongs to the source's default tracker, as before.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from firmware_protocol import PacketEnd, ProtocolError, crc16_ccitt
from firmware_protocol.packet import CRLF, MAX_PACKET_LINES, PacketCheck
from groundstation.decoding import fastpath, lean
from groundstation.decoding.nmea import Checkpoint, StreamDecoder
from groundstation.models import Decoded, IntactPacket, LinkQuality, RawLine

CRC_FAILED = "packet failed its CRC16 check"
ORPHAN = "sentence outside a packet: its tracker is unknown"


def closes(head: lean.Header, end: tuple[str, str, int], body: bytes) -> bool:
    """The end line (``end``, as :func:`lean.end` reads it) closes the packet its header
    (``head``) opens: it repeats the header's callsign and sequence number, and its CRC is that
    of ``body`` (every line before it, each with CRLF)."""
    seq = end[1]
    return (
        end[0] == head[0]
        # (the number as the header sent it; the same text is, unless it has leading zeros)
        and (seq == head[1] and (seq[0] != "0" or len(seq) == 1) or str(int(seq)) == head[1])
        and end[2] == crc16_ccitt(body)
    )


class PacketAssembler:
    """Packet-aware decoding of one source's lines, in order."""

    def __init__(self, decoder: StreamDecoder) -> None:
        self.decoder = decoder
        self._checker = PacketChecker()
        self._held: list[Decoded] | None = None
        self._orphans: list[RawLine] = []
        self._protocol = False
        self._verified: set[str] = set()
        self._checkpoint: Checkpoint | None = None

    def feed(self, raw: RawLine, xor: int | None = None) -> list[Decoded]:
        """``xor``: the line's body checksum if worked out already (fastpath.body_checksums)."""
        if not self._protocol and not raw.data.startswith(b"$PHAB"):
            return [self.decoder.decode(raw, xor)]  # plain NMEA so far: nothing to hold
        data = raw.data if raw.framing_error is None else b""
        if data.startswith(b"$PHABT,"):
            out = self.flush()
            self._checker.feed(data)
            self._protocol = True
            self._checkpoint = self.decoder.checkpoint()
            self._held = [self.decoder.decode(raw, xor)]
            return out
        check = self._checker.feed(data, xor) if data else None
        if self._held is not None:
            self._held.append(self.decoder.decode(raw, xor))
            if check is not None:
                return self._release(check.ok, check.reason, check.seq, check.callsign)
            if len(self._held) > MAX_PACKET_LINES + 1:
                return self.flush()
            return []
        if self._protocol and data.startswith(b"$") and not data.startswith((b"$PHAB", b"$$")):
            # (a $$ UKHAS sentence names its own tracker and is never part of our packets)
            self._orphans.append(raw)  # a packet whose header was lost
            return []
        if check is not None and self._orphans:
            return self._adopt(raw)
        return [*self._release_orphans(), self.decoder.decode(raw, xor)]

    def packet(self, raws: list[RawLine], xors: list[int | None]) -> list[Decoded] | None:
        """A whole packet at once (header first, end line last), when it is intact.

        Gives exactly what feeding its lines one by one gives, without the bookkeeping only a
        damaged packet needs (a checkpoint of the decoder's state, a CRC a line at a time). None
        when the packet is not plainly intact, or when the assembler is not idle: the caller then
        feeds the lines one by one."""
        if not self.idle:
            return None
        checker = self._checker
        body = b"".join([raw.data + CRLF for raw in raws[:-1]])
        identity = _identity(raws[0].data)
        check = checker.verdict(raws[-1].data, xors[-1], crc16_ccitt(body), len(raws) - 1, identity)
        if not check.ok:
            return None
        decoder = self.decoder
        header = decoder.decode(raws[0], xors[0])
        if header.status != "ok":  # a rejected line changes nothing: feeding it redoes it all
            return None
        self._protocol = True
        held = [header]
        for raw, xor in zip(raws[1:], xors[1:], strict=True):
            held.append(decoder.decode(raw, xor))
        self._held = held
        return self._release(True, None, check.seq, check.callsign)

    def intact(
        self, lines: list[bytes], xors: list[int | None], header: RawLine
    ) -> IntactPacket | None:
        """A whole packet's records, straight from its lines, when it is plainly intact: lines
        the :mod:`lean` readers take (a header, GGA and RMC lines, an end line), a CRC that
        matches and no line the decoder would reject. Every line is then ``ok`` with what
        :meth:`packet` gives for it, and the decoder and the assembler are left as it leaves
        them; None, with nothing changed, for any other packet. ``header``: the packet's first
        line (its receive time)."""
        if not self.idle:
            return None
        try:
            texts = [line.decode("ascii") for line in lines]
        except UnicodeDecodeError:
            return None
        head = lean.header(texts[0], xors[0])
        end = lean.end(texts[-1], xors[-1])
        if head is None or end is None:
            return None
        positions = []
        for text, xor in zip(texts[1:-1], xors[1:-1], strict=True):
            position = lean.position(text, xor)
            if position is None:
                return None
            positions.append(position)
        body = b"".join([line + CRLF for line in lines[:-1]])
        if not closes(head, end, body):
            return None
        return self.intact_read(texts, head, end, positions, body, header)

    def intact_read(
        self,
        texts: list[str],
        head: lean.Header,
        end: tuple[str, str, int],
        positions: list[lean.Position],
        body: bytes,
        header: RawLine,
    ) -> IntactPacket | None:
        """:meth:`intact` of a packet whose lines (``texts``, their checksums right) the
        :mod:`lean` readers have read: the header, the end line, the lines between, the end
        line closing it (:func:`closes`: the caller checked). ``body``: the bytes its CRC
        covers; ``header`` as :meth:`StreamDecoder.intact_packet` takes it."""
        callsign, seq_text, seq, tod, battery, temp_int, temp_ext, pressure, extras, _ = head
        decoder = self.decoder
        decoded = decoder.intact_packet(header, callsign, tod, positions)
        if decoded is None:
            return None
        when, fixes = decoded
        self._protocol = True
        self._verified.add(callsign)
        decoder.observe_sequence(callsign, seq)
        lost = decoder.lost_before.get(callsign, 0)
        measured = (battery, temp_int, temp_ext, pressure)
        return IntactPacket(callsign, texts, when, seq, measured, extras, fixes, lost)

    def steady_read(
        self, head: lean.Header, gga: lean.Position, rmc: lean.Position
    ) -> datetime | None:
        """:meth:`intact_read` of a packet of a header, GGA, RMC and end line (closing it,
        :func:`closes`) that :meth:`StreamDecoder.steady_packet` takes (the commonest packet, in
        a flight's steady state): its time, with the decoder and this assembler as
        :meth:`intact_read` leaves them, and no records made. None, with nothing changed, for
        any other packet."""
        callsign = head[0]
        when = self.decoder.steady_packet(callsign, head[3], gga, rmc, head[2])
        if when is not None:
            self._protocol = True
            self._verified.add(callsign)
        return when

    def radio(self, line: bytes, xor: int | None) -> LinkQuality | None:
        """A plain ``$PHABR`` line between packets: its link record, what feeding it gives;
        None, with nothing changed, when it needs the decoder's judgement."""
        if not self.idle:
            return None
        report = lean.radio(line.decode("latin-1"), xor)
        if report is None:
            return None
        return LinkQuality(*report)

    @property
    def idle(self) -> bool:
        """No packet is open and no orphan is held: a new packet can be taken whole."""
        return self._held is None and not self._orphans and not self._checker.busy

    def flush(self) -> list[Decoded]:
        """Release an unfinished packet (its end line never came) and any held orphans."""
        out = self._release_orphans()
        if self._held is not None:
            out += self._release(None, None, None, None)
        return out

    def _release(
        self, ok: bool | None, reason: str | None, seq: int | None, end_callsign: str | None
    ) -> list[Decoded]:
        held, self._held = self._held or [], None
        decoder = self.decoder
        decoder.current_tracker = decoder.default_tracker
        header = held[0]
        callsign = header.tracker if header.status == "ok" else None
        unchecked = ok is None or (reason or "").startswith("bad end line")
        crc_ok = None if unchecked else ok
        if crc_ok is False or callsign is None:
            if self._checkpoint is not None:  # what its lines taught the decoder is void
                decoder.rollback(self._checkpoint)
            # Damaged: the lines count against a tracker known from good packets, if any.
            known = [c for c in (callsign, end_callsign) if c in self._verified]
            owner = known[0] if known else decoder.default_tracker
            why = CRC_FAILED if crc_ok is False else ORPHAN
            held = [
                replace(d, tracker=owner)
                if d.status == "rejected"
                else replace(d, status="rejected", reason=why, records=(), tracker=owner)
                for d in held
            ]
        else:
            if crc_ok:
                self._verified.add(callsign)
            header_seq = _header_seq(header)
            if header_seq is not None:
                decoder.observe_sequence(callsign, header_seq)
        if callsign is not None and (crc_ok is not False or callsign in self._verified):
            link = LinkQuality(
                callsign,
                _header_seq(header) if seq is None else seq,
                crc_ok=crc_ok,
                lost_before=decoder.lost_before.get(callsign, 0),
            )
            # The link row goes with the end line when it arrived intact, else with the header.
            at = len(held) - 1 if crc_ok is not None else 0
            d = held[at]  # (the common case: built directly, dataclasses.replace is slow)
            held[at] = Decoded(d.raw, d.status, d.reason, d.sentence, d.tracker, (*d.records, link))
        return held

    def _adopt(self, end_raw: RawLine) -> list[Decoded]:
        """An end line after orphans: they were its packet; decode them as its tracker's."""
        orphans, self._orphans = self._orphans, []
        decoder = self.decoder
        end = decoder.decode(end_raw)
        if end.status != "ok" or end.tracker is None:
            return [*self._reject_orphans(orphans), end]
        decoder.current_tracker = end.tracker
        try:
            out = [decoder.decode(r) for r in orphans]
        finally:
            decoder.current_tracker = decoder.default_tracker
        link = LinkQuality(end.tracker, None, crc_ok=None)
        return [*out, replace(end, records=(*end.records, link))]

    def _release_orphans(self) -> list[Decoded]:
        orphans, self._orphans = self._orphans, []
        return self._reject_orphans(orphans)

    def _reject_orphans(self, orphans: list[RawLine]) -> list[Decoded]:
        out = []
        for raw in orphans:
            d = self.decoder.decode(raw)
            if d.status == "ok" and d.records:
                d = replace(d, status="rejected", reason=ORPHAN, records=())
            out.append(d)
        return out


def _identity(header: bytes) -> tuple[str, str]:
    """A header line's callsign and sequence fields as sent (the end line must repeat them)."""
    fields = header.split(b"*", 1)[0].split(b",")
    return (
        fields[1].decode("ascii", "replace") if len(fields) > 1 else "",
        fields[2].decode("ascii", "replace") if len(fields) > 2 else "",
    )


def _header_seq(header: Decoded) -> int | None:
    for rec in header.records:
        seq = getattr(rec, "seq", None)
        if seq is not None:
            return int(seq)
    return None


class PacketChecker:
    """:class:`firmware_protocol.PacketChecker`'s verdicts, with the end line decoded on the lean
    route (:func:`fastpath.proprietary`); ``tests/test_fast_decode.py`` holds the two to the
    same verdicts."""

    __slots__ = ("_crc", "_identity", "_lines", "abandoned")

    def __init__(self) -> None:
        self._crc: int | None = None
        self._lines = 0
        self._identity: tuple[str, str] = ("", "")
        self.abandoned = 0

    def feed(self, line: bytes, xor: int | None = None) -> PacketCheck | None:
        if line.endswith((b"\r", b"\n")):
            line = line.rstrip(b"\r\n")
            xor = None
        if line.startswith(b"$PHABT,"):
            if self._crc is not None:
                self.abandoned += 1
            self._crc = crc16_ccitt(line + CRLF)
            self._lines = 1
            self._identity = _identity(line)
            return None
        if line.startswith(b"$PHABE"):
            return self._end(line, xor)
        if self._crc is not None:
            self._lines += 1
            if self._lines > MAX_PACKET_LINES:
                self.abandoned += 1
                self._crc = None
            else:
                self._crc = crc16_ccitt(line + CRLF, self._crc)
        return None

    @property
    def busy(self) -> bool:
        """A packet's header came and its end line has not."""
        return self._crc is not None

    def _end(self, line: bytes, xor: int | None) -> PacketCheck:
        computed, lines, identity = self._crc, self._lines, self._identity
        self._crc, self._lines = None, 0
        return self.verdict(line, xor, computed, lines, identity)

    @staticmethod
    def verdict(
        line: bytes,
        xor: int | None,
        computed: int | None,
        lines: int,
        identity: tuple[str, str],
    ) -> PacketCheck:
        """The verdict on an end line, given the CRC and line count of the lines before it and
        the identity of their header (changes nothing)."""
        try:
            end = fastpath.proprietary(line.decode("ascii"), xor)
        except (UnicodeDecodeError, ProtocolError) as exc:
            reason = str(exc) if isinstance(exc, ProtocolError) else "non-ASCII bytes"
            return PacketCheck(False, None, None, None, computed, lines, f"bad end line: {reason}")
        if not isinstance(end, PacketEnd):
            return PacketCheck(False, None, None, None, computed, lines, "bad end line")
        if computed is None:
            why = "end of a packet whose header was lost"
            return PacketCheck(False, end.callsign, end.seq, end.crc, None, 0, why)
        if identity != (end.callsign, str(end.seq)):
            why = (
                f"end line is for {end.callsign} #{end.seq}, "
                f"header was {identity[0]} #{identity[1]}"
            )
            return PacketCheck(False, end.callsign, end.seq, end.crc, computed, lines, why)
        if computed != end.crc:
            why = f"CRC mismatch: end line says {end.crc:04X}, lines give {computed:04X}"
            return PacketCheck(False, end.callsign, end.seq, end.crc, computed, lines, why)
        return PacketCheck(True, end.callsign, end.seq, end.crc, computed, lines, None)
