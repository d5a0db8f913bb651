"""Whole packets: building one, and checking one's CRC16 as its lines arrive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from firmware_protocol.checksums import crc16_ccitt
from firmware_protocol.errors import ProtocolError
from firmware_protocol.nmea_fix import encode_nmea_fix
from firmware_protocol.proprietary import decode_proprietary, encode_end, encode_header
from firmware_protocol.records import PacketEnd, TelemetryHeader

CRLF = b"\r\n"
MAX_PACKET_LINES = 16
"""A packet with more lines than this between PHABT and PHABE is abandoned."""


def packet_crc(lines: Iterable[str | bytes]) -> int:
    """CRC16 of packet lines (PHABT first, PHABE excluded), each followed by CRLF."""
    crc = 0xFFFF
    for line in lines:
        data = line.encode("ascii") if isinstance(line, str) else line
        crc = crc16_ccitt(data.rstrip(b"\r\n") + CRLF, crc)
    return crc


def to_wire(lines: Iterable[str]) -> bytes:
    """Lines as transmitted: ASCII, each ended by CRLF."""
    return b"".join(line.encode("ascii") + CRLF for line in lines)


def encode_packet(
    callsign: str,
    seq: int,
    fix_time: dt.datetime | None,
    lat: float | None,
    lon: float | None,
    alt_m: float | None,
    speed_mps: float | None,
    course_deg: float | None,
    sats: int | None,
    hdop: float | None,
    battery_v: float | None,
    temp_int_c: float | None,
    temp_ext_c: float | None,
    pressure_hpa: float | None,
    extras: dict[str, str] | None = None,
    talker: str = "GP",
) -> list[str]:
    """The four lines of one packet (PHABT, GGA, RMC, PHABE), without line endings.

    ``fix_time`` is the UTC time of the GPS fix (timezone-aware or naive UTC); it is also
    the header's time. Join the lines with :func:`to_wire` to get the bytes to send.
    """
    header = TelemetryHeader(
        callsign=callsign,
        seq=seq,
        time=None if fix_time is None else fix_time.time(),
        battery_v=battery_v,
        temp_int_c=temp_int_c,
        temp_ext_c=temp_ext_c,
        pressure_hpa=pressure_hpa,
        extras=dict(extras or {}),
    )
    lines = [encode_header(header)]
    lines += encode_nmea_fix(
        fix_time, lat, lon, alt_m, speed_mps, course_deg, sats, hdop, talker=talker
    )
    lines.append(encode_end(PacketEnd(callsign, seq, packet_crc(lines))))
    return lines


@dataclass(frozen=True)
class PacketCheck:
    """The verdict on one packet, given when its ``$PHABE`` line arrives.

    ``ok`` is True only when a header was open, the end line decodes, its callsign and
    sequence number match the header's, and the CRC matches. ``callsign``/``seq`` come from
    the end line (None when it does not decode). ``lines`` counts the lines the CRC covered.
    """

    ok: bool
    callsign: str | None
    seq: int | None
    crc_received: int | None
    crc_computed: int | None
    lines: int
    reason: str | None


def _header_identity(line: bytes) -> tuple[str, str]:
    """Callsign and seq text of a PHABT line, read loosely (its checksum is checked apart)."""
    fields = line.split(b"*", 1)[0].split(b",")
    callsign = fields[1].decode("ascii", "replace") if len(fields) > 1 else ""
    seq = fields[2].decode("ascii", "replace") if len(fields) > 2 else ""
    return callsign, seq


class PacketChecker:
    """Follows packets through a stream of lines and checks each packet's CRC16.

    Feed every received line, in order, without its line ending (a trailing CR or LF is
    removed anyway): the CRC is computed over each line's bytes plus CRLF, so logs whose
    line endings were changed to LF still verify. :meth:`feed` returns a
    :class:`PacketCheck` for each ``$PHABE`` line and None for any other line.
    """

    def __init__(self) -> None:
        self._crc: int | None = None
        self._lines = 0
        self._identity: tuple[str, str] = ("", "")
        self.abandoned = 0
        """Packets that started but never ended (a new header came, or too many lines)."""

    @property
    def in_packet(self) -> bool:
        return self._crc is not None

    def feed(self, line: bytes) -> PacketCheck | None:
        line = line.rstrip(b"\r\n")
        if line.startswith(b"$PHABT,"):
            if self._crc is not None:
                self.abandoned += 1
            self._crc = crc16_ccitt(line + CRLF)
            self._lines = 1
            self._identity = _header_identity(line)
            return None
        if line.startswith(b"$PHABE"):
            return self._end(line)
        if self._crc is not None:
            self._lines += 1
            if self._lines > MAX_PACKET_LINES:
                self.abandoned += 1
                self._crc = None
            else:
                self._crc = crc16_ccitt(line + CRLF, self._crc)
        return None

    def _end(self, line: bytes) -> PacketCheck:
        computed, lines, identity = self._crc, self._lines, self._identity
        self._crc, self._lines = None, 0
        try:
            end = decode_proprietary(line.decode("ascii"))
        except (UnicodeDecodeError, ProtocolError) as exc:
            reason = str(exc) if isinstance(exc, ProtocolError) else "non-ASCII bytes"
            return PacketCheck(False, None, None, None, computed, lines, f"bad end line: {reason}")
        if not isinstance(end, PacketEnd):
            return PacketCheck(False, None, None, None, computed, lines, "bad end line")
        if computed is None:
            return PacketCheck(
                False,
                end.callsign,
                end.seq,
                end.crc,
                None,
                0,
                "end of a packet whose header was lost",
            )
        if identity != (end.callsign, str(end.seq)):
            return PacketCheck(
                False,
                end.callsign,
                end.seq,
                end.crc,
                computed,
                lines,
                f"end line is for {end.callsign} #{end.seq}, "
                f"header was {identity[0]} #{identity[1]}",
            )
        if computed != end.crc:
            reason = f"CRC mismatch: end line says {end.crc:04X}, lines give {computed:04X}"
            return PacketCheck(False, end.callsign, end.seq, end.crc, computed, lines, reason)
        return PacketCheck(True, end.callsign, end.seq, end.crc, computed, lines, None)
