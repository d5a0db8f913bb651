"""The UKHAS sentence many existing trackers send, accepted as input.

``$$CALLSIGN,sentence_id,HH:MM:SS,lat,lon,alt[,extra...]*CRC16`` where the CRC16-CCITT
(4 hex digits) covers every character between ``$$`` and ``*``.
"""

from __future__ import annotations

import datetime as dt
import re

from firmware_protocol.checksums import crc16_ccitt
from firmware_protocol.errors import ChecksumError, FieldError, ProtocolError
from firmware_protocol.fields import (
    check_callsign,
    fixed_field,
    parse_callsign,
    parse_clock,
    parse_decimal,
)
from firmware_protocol.records import UkhasSentence

MAX_UKHAS_BYTES = 250
_SENTENCE_RE = re.compile(r"\$\$+([\x20-\x7e]*)\*([0-9A-Fa-f]{4})")
_ID_RE = re.compile(r"[0-9]{1,9}")
ALT_RANGE = (-1000.0, 100_000.0)


def decode_ukhas(line: str) -> UkhasSentence:
    """Decode one UKHAS sentence (trailing CR/LF allowed); raise ProtocolError if invalid."""
    text = line.rstrip("\r\n")
    if len(text) + 2 > MAX_UKHAS_BYTES:
        raise FieldError(f"line longer than {MAX_UKHAS_BYTES} bytes")
    match = _SENTENCE_RE.fullmatch(text)
    if match is None:
        raise ProtocolError("not a UKHAS sentence of the form $$...*XXXX in printable ASCII")
    body, given = match.group(1), match.group(2)
    if "$" in body or "*" in body:
        raise ProtocolError("'$' or '*' inside a UKHAS sentence")
    computed = crc16_ccitt(body.encode("ascii"))
    if int(given, 16) != computed:
        raise ChecksumError(f"bad CRC16: line says {given.upper()}, text gives {computed:04X}")
    fields = body.split(",")
    if len(fields) < 6:
        raise FieldError(f"a UKHAS sentence needs at least 6 fields, this one has {len(fields)}")
    callsign = parse_callsign(fields[0])
    if not _ID_RE.fullmatch(fields[1]):
        raise FieldError(f"sentence id {fields[1]!r} is not a whole number")
    lat = parse_decimal(fields[3], "latitude", -90.0, 90.0)
    lon = parse_decimal(fields[4], "longitude", -180.0, 180.0)
    if (lat is None) != (lon is None):
        raise FieldError("latitude and longitude must both be present or both be empty")
    return UkhasSentence(
        callsign=callsign,
        sentence_id=int(fields[1]),
        time=parse_clock(fields[2]),
        lat=lat,
        lon=lon,
        alt_m=parse_decimal(fields[5], "altitude", *ALT_RANGE),
        extras=tuple(fields[6:]),
    )


def encode_ukhas(
    callsign: str,
    sentence_id: int,
    time: dt.time | dt.datetime | None,
    lat: float | None,
    lon: float | None,
    alt_m: float | None,
    extras: tuple[str, ...] | list[str] = (),
) -> str:
    """A UKHAS sentence (without CRLF): lat/lon with 6 decimals, altitude in whole metres."""
    check_callsign(callsign)
    if not 0 <= sentence_id <= 999_999_999:
        raise FieldError(f"sentence id {sentence_id} is outside 0..999999999")
    if (lat is None) != (lon is None):
        raise ProtocolError("latitude and longitude must both be given or both be None")
    for extra in extras:
        if not extra.isascii() or not extra.isprintable() or set(extra) & set(",*$"):
            raise FieldError(f"extra field {extra!r} must be printable ASCII without , * $")
    clock = time.time() if isinstance(time, dt.datetime) else time
    fields = [
        callsign,
        str(sentence_id),
        "" if clock is None else f"{clock.hour:02d}:{clock.minute:02d}:{clock.second:02d}",
        fixed_field(lat, 6, "latitude", -90, 90),
        fixed_field(lon, 6, "longitude", -180, 180),
        fixed_field(alt_m, 0, "altitude", *ALT_RANGE),
        *extras,
    ]
    body = ",".join(fields)
    line = f"$${body}*{crc16_ccitt(body.encode('ascii')):04X}"
    if len(line) + 2 > MAX_UKHAS_BYTES:
        raise FieldError(f"the line would be {len(line) + 2} bytes, over {MAX_UKHAS_BYTES}")
    return line
