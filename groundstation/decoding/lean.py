"""Field readers for the lines of a plainly intact packet, one regular expression a line.

A bulk import spends nearly all its time on lines of one shape: ``$PHABT``, GGA, RMC, ``$PHABE``
and ``$PHABR``, well formed and in order. These readers take a line only when every field has
the plainest form its decoder of record accepts (digits, an optional sign and decimals, known
letters), and then give the values that decoder gives, converted by the same functions. Anything
else gives None, and the line goes the decoder's way: so a reader may refuse a line the decoder
takes, but never reads one differently. The checksum is the caller's (``$`` to ``*`` is matched
here; the two hex digits are compared with the body's XOR by :func:`sealed`).

``tests/test_row_route.py`` holds a bulk import through these readers to the rows the line by
line decoder gives, over emulated flights with link faults, the sample logs, the corpus and
Hypothesis edits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, time

from firmware_protocol import ProtocolError
from firmware_protocol.proprietary import BATTERY, MAX_LINE_BYTES, PRESSURE, RSSI, SNR, TEMPERATURE
from groundstation.decoding import fastpath
from groundstation.decoding.fields import KNOTS_TO_MPS, FieldError, coordinate, ddmmyy, time_of_day
from groundstation.decoding.framing import MAX_LINE
from groundstation.models import extra_json

# Every quantifier is possessive (``++``, ``*+``, ``?+``): what follows each one (a comma, ``*``,
# a line's end) is a character it cannot match, so giving characters back could never make a
# match, and the patterns match exactly what their greedy forms match. Not keeping the states to
# give them back makes :data:`PACKET` 1.6x as fast (0.28 s against 0.45-0.49 s over 1M lines).
_DEC = r"-?+[0-9]++(?:\.[0-9]++)?+"  # firmware_protocol's decimal field
_UDEC = r"[0-9]++(?:\.[0-9]++)?+"  # a plain unsigned NMEA number
_CALL = r"[A-Za-z0-9_-]{1,16}+"
_TAIL = r"\*[0-9A-F]{2}"
_FIELD = r"[ -#%-)+\--~]*+"  # printable ASCII but $ * and ,
_REST = r"[ -#%-)+-~]*+"  # the same, commas allowed
_NMEA_TIME = r"[0-9]{6}(?:\.[0-9]{1,9}+)?+"  # time_of_day takes at most 16 characters
_TALKER = r"[A-OQ-Z][A-Z]"  # "$P..." is a proprietary sentence to pynmea2

_HEADER = re.compile(
    rf"\$PHABT,({_CALL}),([0-9]{{1,5}}+),([0-9]{{6}}(?:\.[0-9]{{1,3}}+)?+),((?:{_DEC})?+),"
    rf"((?:{_DEC})?+),((?:{_DEC})?+),((?:{_DEC})?+),({_FIELD}){_TAIL}"
)
_END = re.compile(rf"\$PHABE,({_CALL}),([0-9]{{1,5}}+),([0-9A-F]{{4}}){_TAIL}")
_RADIO = re.compile(
    rf"\$PHABR,({_CALL}),([0-9]{{1,5}}+),((?:{_DEC})?+),((?:{_DEC})?+),(-?+[0-9]*+){_TAIL}"
)
_GGA = re.compile(
    rf"\$({_TALKER})GGA,({_NMEA_TIME}),({_UDEC}),([NS]),({_UDEC}),([EW]),([0-9]++),([0-9]*+),"
    rf"((?:{_UDEC})?+),((?:{_DEC})?+),(M?+)(?:,{_REST})?+{_TAIL}"
)
_RMC = re.compile(
    rf"\$({_TALKER})RMC,({_NMEA_TIME}),A,({_UDEC}),([NS]),({_UDEC}),([EW]),((?:{_UDEC})?+),"
    rf"((?:{_UDEC})?+),([0-9]{{6}})?+(?:,({_REST}))?+{_TAIL}"
)


def _line(pattern: str, limit: int) -> str:
    """A whole line the framer hands on as it is (at most ``limit`` characters), its ending."""
    return rf"(?=[^\n]{{0,{limit}}}+\n)({pattern})\r?+\n"


_SHORT = min(MAX_LINE, MAX_LINE_BYTES - 2)  # a $PHAB line's limit, its CRLF not counted
PACKET = re.compile(
    r"(?<![^\n])"  # at the start of a line
    + _line(_HEADER.pattern, _SHORT)
    + _line(_GGA.pattern, MAX_LINE)
    + _line(_RMC.pattern, MAX_LINE)
    + _line(_END.pattern, MAX_LINE)
    + rf"(?:{_line(_RADIO.pattern, _SHORT)})?+"
)
"""The commonest packet in one match: a header, GGA, RMC and end line, and the radio line if it
follows, each ended by LF or CRLF. Its groups are each line (1, 10, 22, 33, 37) followed by that
line's fields as the line's own pattern gives them; so a match's lines are lines the framer
gives whole, and each line is one its reader above would match (checksums not yet checked)."""


Header = tuple[str, str, int, time, float | None, float | None, float | None, float | None,
               str | None, str]  # fmt: skip
"""callsign, sequence number as sent and as a number, time, battery, internal and external
temperature, pressure, the extras as the telemetry table stores them (:func:`extras_json`), and
the time as sent (``hhmmss`` and 0-3 decimals, as the writer puts it in a time stamp)."""
Radio = tuple[str, int, float | None, float | None, float | None]
"""callsign, sequence number, RSSI, SNR, frequency error."""
Position = tuple[str, str, time, float, float, float | None, float | None, float | None,
                 int | None, float | None, int | None, date | None]  # fmt: skip
"""sentence name, type, time of day, lat, lon, alt, speed, course, sats, HDOP, quality, date."""


def sealed(text: str, xor: int | None) -> bool:
    """The two hex digits after ``*`` are the XOR of the body (``xor``, when worked out)."""
    return int(text[-2:], 16) == (fastpath.xor_checksum(text[1:-3]) if xor is None else xor)


# The ranges the protocol allows ((name, decimals, low, high) there), as the bounds each reader
# passes to _decimal (spelled out: unpacking a pair for each field was a cost on every line).
(
    (_BATTERY_LO, _BATTERY_HI),
    (_TEMP_LO, _TEMP_HI),
    (_PRESSURE_LO, _PRESSURE_HI),
    (_RSSI_LO, _RSSI_HI),
    (_SNR_LO, _SNR_HI),
) = ((float(r[2]), float(r[3])) for r in (BATTERY, TEMPERATURE, PRESSURE, RSSI, SNR))


def _decimal(text: str, low: float, high: float) -> float | None:
    """A decimal field the pattern matched: None when empty; ValueError when out of range."""
    if not text:
        return None
    value = float(text)
    if not low <= value <= high:
        raise ValueError(text)
    return value


def header(text: str, xor: int | None) -> Header | None:
    """A ``$PHABT`` line as :func:`fastpath.proprietary` reads it, with a time of day."""
    match = _HEADER.fullmatch(text)
    if match is None or len(text) + 2 > MAX_LINE_BYTES or not sealed(text, xor):
        return None
    return header_fields(match.groups())


def header_fields(fields: Sequence[str]) -> Header | None:
    """:func:`header` of a line ``_HEADER`` matched, from its groups."""
    callsign, seq_text, tod_text, battery, temp_int, temp_ext, pressure, extras = fields
    seq = int(seq_text)
    try:
        tod = _header_time(tod_text)
        if seq > 65535 or tod is None:
            return None
        return (
            callsign, seq_text, seq, tod,
            _decimal(battery, _BATTERY_LO, _BATTERY_HI),
            _decimal(temp_int, _TEMP_LO, _TEMP_HI),
            _decimal(temp_ext, _TEMP_LO, _TEMP_HI),
            _decimal(pressure, _PRESSURE_LO, _PRESSURE_HI),
            extras_json(extras), tod_text,
        )  # fmt: skip
    except (ValueError, ProtocolError):
        return None


_EXTRAS_JSON: dict[str, str | None] = {}
_UNSEEN = object()


def extras_json(text: str) -> str | None:
    """A header's extras (``key=value;...``) as the JSON text the telemetry table stores for
    them, None when there are none; remembered for the few distinct extras a flight sends.
    ProtocolError as :func:`fastpath.extras` raises it."""
    found = _EXTRAS_JSON.get(text, _UNSEEN)
    if found is not _UNSEEN:
        return found  # type: ignore[return-value]
    extras = fastpath.extras(text)
    found = extra_json(extras) if extras else None
    if len(_EXTRAS_JSON) > 4096:
        _EXTRAS_JSON.clear()
    _EXTRAS_JSON[text] = found
    return found


def end(text: str, xor: int | None) -> tuple[str, str, int] | None:
    """A ``$PHABE`` line: callsign, sequence number as sent, CRC."""
    match = _END.fullmatch(text)
    if match is None or not sealed(text, xor):
        return None
    return end_fields(match.groups())


def end_fields(fields: Sequence[str]) -> tuple[str, str, int]:
    """:func:`end` of a line ``_END`` matched, from its groups."""
    callsign, seq_text, crc = fields
    return callsign, seq_text, int(crc, 16)


def radio(text: str, xor: int | None) -> Radio | None:
    """A ``$PHABR`` line: callsign, sequence number, RSSI, SNR, frequency error (a float, as
    the decoder stores it)."""
    match = _RADIO.fullmatch(text)
    if match is None or len(text) + 2 > MAX_LINE_BYTES or not sealed(text, xor):
        return None
    return radio_fields(match.groups())


def radio_fields(fields: Sequence[str]) -> Radio | None:
    """:func:`radio` of a line ``_RADIO`` matched, from its groups."""
    callsign, seq_text, rssi, snr, freq = fields
    seq = int(seq_text)
    if seq > 65535 or freq == "-":
        return None
    try:
        rssi_dbm = _decimal(rssi, _RSSI_LO, _RSSI_HI)
        snr_db = _decimal(snr, _SNR_LO, _SNR_HI)
    except ValueError:
        return None
    freq_error = None
    if freq:
        value = int(freq)
        if not -1_000_000 <= value <= 1_000_000:
            return None
        freq_error = float(value)
    return callsign, seq, rssi_dbm, snr_db, freq_error


def position(text: str, xor: int | None) -> Position | None:
    """A GGA or RMC line with a fix, as :meth:`StreamDecoder._position` reads it (before it
    places the time on a date and checks plausibility)."""
    kind = text[3:6]
    if kind == "GGA":
        match = _GGA.fullmatch(text)
        if match is None or not sealed(text, xor):
            return None
        return gga_fields(match.groups())
    if kind == "RMC":
        match = _RMC.fullmatch(text)
        if match is None or not sealed(text, xor):
            return None
        return rmc_fields(match.groups())
    return None


def gga_fields(fields: Sequence[str]) -> Position | None:
    """:func:`position` of a line ``_GGA`` matched, from its groups."""
    talker, tod_text, lat, ns, lon, ew, quality, sats, hdop, alt, _ = fields
    fix_quality = int(quality)
    satellites = int(sats) if sats else None
    if fix_quality == 0 or (satellites is not None and satellites > 200):
        return None
    try:
        return (
            talker + "GGA", "GGA", _time(tod_text), _coordinate(lat, ns, True),
            _coordinate(lon, ew, False), float(alt) if alt else None, None, None,
            satellites, float(hdop) if hdop else None, fix_quality, None,
        )  # fmt: skip
    except FieldError:
        return None


def rmc_fields(fields: Sequence[str]) -> Position | None:
    """:func:`position` of a line ``_RMC`` matched, from its groups."""
    talker, tod_text, lat, ns, lon, ew, knots, course, day_text, rest = fields
    if rest is not None:
        more = rest.split(",")
        if len(more) > 2 and more[2][:1] == "N":
            return None  # mode N: no fix
    course_deg = float(course) if course else None
    if course_deg is not None and course_deg > 360.0:
        return None
    day = None
    if day_text:
        day = _date(day_text)
    try:
        return (
            talker + "RMC", "RMC", _time(tod_text), _coordinate(lat, ns, True),
            _coordinate(lon, ew, False), None,
            float(knots) * KNOTS_TO_MPS if knots else None, course_deg, None, None, None,
            day,
        )  # fmt: skip
    except FieldError:
        return None


_last_date: tuple[str, date | None] = ("", None)


def _date(text: str) -> date | None:
    """:func:`ddmmyy`, None for a broken date (the decoder infers it), the last remembered."""
    global _last_date
    last = _last_date  # one read
    if last[0] == text:
        return last[1]
    try:
        day = ddmmyy(text)
    except FieldError:
        day = None
    _last_date = (text, day)
    return day


_last_time: tuple[str, time] = ("", time())
_iso_time = time.fromisoformat


def _header_time(text: str) -> time | None:
    """What parse_hhmmss gives for a time the header pattern matched; None when it would
    refuse it (out of range). Remembered for :func:`_time`: a packet's fixes repeat it."""
    global _last_time
    try:  # (ISO's reader checks the ranges, and is 2.8x as fast as taking the digits apart)
        tod = _iso_time(f"{text[0:2]}:{text[2:4]}:{text[4:]}")
    except ValueError:
        return None
    _last_time = (text, tod)  # time_of_day reads such a text the same (second 60 aside)
    return tod


def _time(text: str) -> time:
    """:func:`time_of_day` of a time the GGA or RMC pattern matched."""
    last = _last_time  # one read
    if last[0] == text:
        return last[1]
    tod = time_of_day(text)
    assert tod is not None  # the pattern asks for digits
    return tod


_last: dict[bool, tuple[str, str, float]] = {True: ("", "", 0.0), False: ("", "", 0.0)}


def _coordinate(value: str, hemisphere: str, is_lat: bool) -> float:
    """:func:`coordinate`, remembering the last latitude and longitude (a packet's GGA and RMC
    repeat them)."""
    last = _last[is_lat]  # one read
    if last[0] == value and last[1] == hemisphere:
        return last[2]
    result = coordinate(value, hemisphere, is_lat)
    assert result is not None  # the pattern asks for both
    _last[is_lat] = (value, hemisphere, result)
    return result
