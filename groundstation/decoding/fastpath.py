"""A lean route for the sentences that make up nearly every line: talker NMEA and ``$PHAB*``.

pynmea2 and :func:`firmware_protocol.decode_proprietary` stay the decoders of record. The
functions here take only lines whose shape leaves nothing to judge: ``$`` once at the start, one
``*`` with two upper-case hex digits at the end, printable ASCII, a checksum that matches. For
such a line they give exactly what the decoder of record gives (the same field list, the same
record, the same error for a bad field); for anything else they return ``None`` and the caller
asks the decoder of record. ``tests/test_fast_decode.py`` holds the two routes to that, line by
line, over the corpus, the sample logs, fault-injected emulator output and Hypothesis mutations.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

import pynmea2

from firmware_protocol import (
    ChecksumError,
    FieldError,
    PacketEnd,
    ProtocolError,
    RadioReport,
    TelemetryHeader,
    decode_proprietary,
)
from firmware_protocol.fields import parse_callsign, parse_decimal, parse_integer
from firmware_protocol.fields import parse_seq as _parse_seq
from firmware_protocol.proprietary import (
    FREQ_ERROR_LIMIT,
    MAX_LINE_BYTES,
    RSSI,
    SNR,
    header_from_fields,
    parse_extras,
)

ProprietaryRecord = TelemetryHeader | PacketEnd | RadioReport

_HEX = frozenset("0123456789ABCDEF")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _UPPER | frozenset("0123456789")
_FIELD_COUNTS = {"T": 9, "E": 4, "R": 6}
_TALKER_TYPES: dict[str, type] = pynmea2.TalkerSentence.sentence_types
"""pynmea2's own registry: a sentence type it knows is one it would parse."""
_GOOD_CALLSIGNS: set[str] = set()
_GOOD_EXTRAS: dict[str, dict[str, str]] = {}
_last_end: tuple[str, PacketEnd] = ("", PacketEnd("", 0, 0))

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# numpy is imported where a chunk's checksums are first worked out, not with this module: a bulk
# import's writer imports it (for the pipeline) but never decodes, and importing numpy took
# ~50 ms of its start, before it could send the decoding process its job.


def xor_checksum(body: str) -> int:
    """The NMEA checksum (XOR of every byte) of an ASCII string, by folding one big integer."""
    x = int.from_bytes(body.encode("ascii"), "little")
    width = x.bit_length()
    while width > 64:
        half = ((width + 15) // 16) * 8  # half the width, rounded up to whole bytes
        x = (x & ((1 << half) - 1)) ^ (x >> half)
        width = half
    x ^= x >> 32
    x ^= x >> 16
    x ^= x >> 8
    return x & 0xFF


def body_checksums(lines: list[bytes]) -> list[int]:
    """For each line, the XOR of its bytes between the first and the last three (``$`` and
    ``*HH`` of a sentence), for a whole chunk at once: one cumulative XOR over all the bytes, and
    each line's checksum is the XOR of two of its values. Lines under 5 bytes get a
    meaningless value (nothing that short is taken on the lean route)."""
    if not lines:
        return []
    import numpy as np

    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    cumulative = np.bitwise_xor.accumulate(np.frombuffer(b"".join(lines), dtype=np.uint8))
    last = np.maximum(ends - 4, starts)
    result: list[int] = (cumulative[last] ^ cumulative[starts]).tolist()
    return result


@functools.cache
def _hex_values() -> npt.NDArray[np.int64]:
    """Each byte's value as an upper-case hex digit, 255 for any other byte."""
    import numpy as np

    values = np.full(256, 255, dtype=np.int64)
    values[np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)] = np.arange(16)
    return values


def unsealed_starts(data: bytes) -> list[int]:
    """Where the lines of ``data`` that end with LF (or CRLF) start, for those whose last three
    characters are not ``*`` and the XOR of the characters between the first and the ``*`` as
    two upper-case hex digits: every LF-ended line of a chunk at once (numpy), so a reader of
    whole packets can see a broken checksum in one comparison. Lines under 6 characters are
    listed too."""
    import numpy as np

    hex_value = _hex_values()
    raw = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(raw == 10)
    if not len(breaks):
        return []
    starts = np.empty_like(breaks)
    starts[0] = 0
    starts[1:] = breaks[:-1] + 1
    ends = np.maximum(breaks - (raw[breaks - 1] == 13), starts)  # (index -1 wraps: harmless)
    cumulative = np.bitwise_xor.accumulate(raw)
    # Where the '*' and the hex digits are in a line of 6 or more; clipped for shorter ones,
    # which are listed whatever these say.
    top = len(raw) - 1
    star = np.clip(ends - 3, 0, top)
    body = cumulative[np.maximum(star - 1, starts)] ^ cumulative[starts]
    stated = (hex_value[raw[np.minimum(star + 1, top)]] * 16
              + hex_value[raw[np.minimum(star + 2, top)]])  # fmt: skip
    good = (ends - starts >= 6) & (raw[star] == 42) & (body == stated)
    found: list[int] = starts[~good].tolist()
    return found


_PLAIN = re.compile(r"\$[ -#%-)+-~]{6,}\*[0-9A-F]{2}")
"""``$``, at least six printable ASCII characters other than ``$`` and ``*``, ``*`` and two
upper-case hex digits: the whole line, in one match."""


def framed(text: str, xor: int | None) -> bool:
    """``$body*HH``: one ``$`` (first), one ``*`` (third from last), upper-case hex, printable
    ASCII, and the checksum matches (``xor``, when given, is the body's, worked out before)."""
    return _PLAIN.fullmatch(text) is not None and int(text[-2:], 16) == (
        xor_checksum(text[1:-3]) if xor is None else xor
    )


def split_talker(text: str, xor: int | None = None) -> tuple[str, str, list[str]] | None:
    """``(talker, sentence type, fields)`` of a talker sentence, as ``pynmea2.parse(text,
    check=True)`` would give them (``msg.talker``, ``msg.sentence_type``, ``msg.data``); None when
    the line is not plainly such a sentence."""
    if len(text) < 7 or text[6] != "," or text[1] == "P":  # '$P...' is proprietary to pynmea2
        return None
    talker, kind = text[1:3], text[3:6]
    if not (
        talker[0] in _UPPER
        and talker[1] in _UPPER
        and kind[0] in _ALNUM
        and kind[1] in _ALNUM
        and kind[2] in _ALNUM
        and kind in _TALKER_TYPES
        and framed(text, xor)
    ):
        return None
    return talker, kind, text[7:-3].split(",")


def proprietary(text: str, xor: int | None = None) -> ProprietaryRecord:
    """:func:`firmware_protocol.decode_proprietary`, with a lean route for a plain line.

    Raises exactly what it raises."""
    global _last_end
    last = _last_end  # one read: another port's thread may replace it meanwhile
    if text == last[0]:  # a packet's end line is read twice: for its CRC, then as a line
        return last[1]
    if not (
        len(text) + 2 <= MAX_LINE_BYTES
        and text.startswith("$PHAB")
        and len(text) > 6
        and text[6] == ","
        and text[5] in _FIELD_COUNTS
        and framed(text, xor)
    ):
        return decode_proprietary(text)
    data = text[5:-3].split(",")
    kind = data[0]
    expected = _FIELD_COUNTS[kind]
    if len(data) != expected:
        raise FieldError(f"$PHAB{kind} needs {expected - 1} fields, this line has {len(data) - 1}")
    callsign = data[1]
    if callsign not in _GOOD_CALLSIGNS:
        parse_callsign(callsign)
        if len(_GOOD_CALLSIGNS) > 4096:
            _GOOD_CALLSIGNS.clear()
        _GOOD_CALLSIGNS.add(callsign)
    seq = _seq(data[2])
    if kind == "T":
        return header_from_fields(callsign, seq, data, extras(data[8]))
    if kind == "E":
        crc = data[3]
        if not (len(crc) == 4 and crc[0] in _HEX and crc[1] in _HEX and crc[2] in _HEX and
                crc[3] in _HEX):  # fmt: skip
            raise FieldError(f"CRC {crc!r} is not 4 upper-case hex digits")
        end = PacketEnd(callsign, seq, int(crc, 16))
        _last_end = (text, end)
        return end
    return RadioReport(
        callsign=callsign,
        seq=seq,
        rssi_dbm=parse_decimal(data[3], "RSSI", *RSSI[2:]),
        snr_db=parse_decimal(data[4], "SNR", *SNR[2:]),
        freq_error_hz=parse_integer(
            data[5], "frequency error", -FREQ_ERROR_LIMIT, FREQ_ERROR_LIMIT
        ),
    )


def _seq(text: str) -> int:
    # parse_seq accepts 1 to 5 ASCII digits below 65536; anything else gets its own error.
    if 0 < len(text) <= 5 and text.isdigit():
        value = int(text)
        if value < 65536:
            return value
    return _parse_seq(text)


def extras(text: str) -> dict[str, str]:
    """parse_extras, remembering the few distinct extras a flight sends (a fresh dict each)."""
    found = _GOOD_EXTRAS.get(text)
    if found is None:
        found = parse_extras(text)
        if len(_GOOD_EXTRAS) > 4096:
            _GOOD_EXTRAS.clear()
        _GOOD_EXTRAS[text] = found
    return dict(found)


__all__ = [
    "ChecksumError",
    "ProprietaryRecord",
    "ProtocolError",
    "body_checksums",
    "extras",
    "framed",
    "proprietary",
    "split_talker",
    "unsealed_starts",
    "xor_checksum",
]
