"""Encode and decode the tracker's own sentences: ``$PHABT``, ``$PHABE``, ``$PHABR``."""

from __future__ import annotations

import re

import pynmea2

from firmware_protocol import pynmea_types
from firmware_protocol.checksums import nmea_sentence, verify_nmea
from firmware_protocol.errors import FieldError, ProtocolError
from firmware_protocol.fields import (
    EXTRA_NAME_RE,
    EXTRA_VALUE_FORBIDDEN,
    EXTRA_VALUE_RE,
    check_callsign,
    check_extras,
    check_seq,
    fixed_field,
    format_hhmmss_cc,
    parse_callsign,
    parse_decimal,
    parse_hhmmss,
    parse_integer,
    parse_seq,
)
from firmware_protocol.records import PacketEnd, ProprietaryRecord, RadioReport, TelemetryHeader

MAX_LINE_BYTES = 250
"""Longest line of the protocol, CRLF included. Receivers must accept lines this long."""

# (name, decimals on the wire, lowest, highest) for the PHABT and PHABR measurements.
BATTERY = ("battery voltage", 2, 0.0, 100.0)
TEMPERATURE = ("temperature", 1, -100.0, 150.0)
PRESSURE = ("pressure", 2, 0.0, 1200.0)
RSSI = ("RSSI", 1, -200.0, 30.0)
SNR = ("SNR", 1, -50.0, 50.0)
FREQ_ERROR_LIMIT = 1_000_000

_FIELD_COUNTS = {"T": 9, "E": 4, "R": 6}
_CRC_RE = re.compile(r"[0-9A-F]{4}")


def _check_length(line: str) -> str:
    if len(line) + 2 > MAX_LINE_BYTES:
        raise FieldError(f"the line would be {len(line) + 2} bytes, over {MAX_LINE_BYTES}")
    return line


def _fixed(value: float | None, spec: tuple[str, int, float, float], name: str = "") -> str:
    label, decimals, low, high = spec
    return fixed_field(value, decimals, name or label, low, high)


def format_extras(extras: dict[str, str]) -> str:
    check_extras(extras)
    return ";".join(f"{name}={value}" for name, value in extras.items())


def encode_header(header: TelemetryHeader) -> str:
    """The ``$PHABT`` line (without CRLF) for a header record."""
    body = ",".join(
        (
            "PHABT",
            check_callsign(header.callsign),
            str(check_seq(header.seq)),
            format_hhmmss_cc(header.time),
            _fixed(header.battery_v, BATTERY),
            _fixed(header.temp_int_c, TEMPERATURE, "internal temperature"),
            _fixed(header.temp_ext_c, TEMPERATURE, "external temperature"),
            _fixed(header.pressure_hpa, PRESSURE),
            format_extras(header.extras),
        )
    )
    return _check_length(nmea_sentence(body))


def encode_end(end: PacketEnd) -> str:
    """The ``$PHABE`` line (without CRLF)."""
    if not 0 <= end.crc <= 0xFFFF:
        raise FieldError(f"CRC {end.crc} does not fit in 16 bits")
    body = f"PHABE,{check_callsign(end.callsign)},{check_seq(end.seq)},{end.crc:04X}"
    return _check_length(nmea_sentence(body))


def encode_radio(report: RadioReport) -> str:
    """The ``$PHABR`` line (without CRLF) for a radio report record."""
    freq = report.freq_error_hz
    if freq is not None and not -FREQ_ERROR_LIMIT <= freq <= FREQ_ERROR_LIMIT:
        raise FieldError(f"frequency error {freq} Hz is outside ±{FREQ_ERROR_LIMIT}")
    body = ",".join(
        (
            "PHABR",
            check_callsign(report.callsign),
            str(check_seq(report.seq)),
            _fixed(report.rssi_dbm, RSSI),
            _fixed(report.snr_db, SNR),
            "" if freq is None else str(freq),
        )
    )
    return _check_length(nmea_sentence(body))


def encode_radio_report(
    callsign: str,
    seq: int,
    rssi_dbm: float | None,
    snr_db: float | None,
    freq_error_hz: int | None,
) -> str:
    """The ``$PHABR`` line a receiver appends after a packet's ``$PHABE`` (without CRLF)."""
    return encode_radio(RadioReport(callsign, seq, rssi_dbm, snr_db, freq_error_hz))


def encode_record(record: ProprietaryRecord) -> str:
    """Any of the three proprietary records as its line (without CRLF)."""
    if isinstance(record, TelemetryHeader):
        return encode_header(record)
    if isinstance(record, PacketEnd):
        return encode_end(record)
    return encode_radio(record)


def parse_extras(text: str) -> dict[str, str]:
    extras: dict[str, str] = {}
    if text == "":
        return extras
    for pair in text.split(";"):
        name, sep, value = pair.partition("=")
        if not sep:
            raise FieldError(f"extra {pair!r} is not name=value")
        if not EXTRA_NAME_RE.fullmatch(name):
            raise FieldError(f"extra name {name!r} is not 1 to 16 characters of A-Z a-z 0-9 _")
        if not EXTRA_VALUE_RE.fullmatch(value) or EXTRA_VALUE_FORBIDDEN.intersection(value):
            raise FieldError(f"extra {name} has an empty or invalid value {value!r}")
        if name in extras:
            raise FieldError(f"extra {name} appears twice")
        extras[name] = value
    return extras


def header_from_fields(
    callsign: str, seq: int, data: list[str], extras: dict[str, str]
) -> TelemetryHeader:
    """A ``$PHABT`` header from its split fields (callsign, sequence and extras already read)."""
    return TelemetryHeader(
        callsign=callsign,
        seq=seq,
        time=parse_hhmmss(data[3]),
        battery_v=parse_decimal(data[4], "battery voltage", *BATTERY[2:]),
        temp_int_c=parse_decimal(data[5], "internal temperature", *TEMPERATURE[2:]),
        temp_ext_c=parse_decimal(data[6], "external temperature", *TEMPERATURE[2:]),
        pressure_hpa=parse_decimal(data[7], "pressure", *PRESSURE[2:]),
        extras=extras,
    )


def decode_proprietary(line: str) -> TelemetryHeader | PacketEnd | RadioReport:
    """Decode one ``$PHABT``/``$PHABE``/``$PHABR`` line (trailing CR/LF allowed).

    Raises :class:`ProtocolError` (or its subclasses ChecksumError / FieldError) with a plain
    reason for anything that is not a valid v1 line.
    """
    if len(line.rstrip("\r\n")) + 2 > MAX_LINE_BYTES:
        raise FieldError(f"line longer than {MAX_LINE_BYTES} bytes")
    verify_nmea(line)
    try:
        sentence = pynmea2.parse(line.rstrip("\r\n"), check=True)
    except pynmea2.ParseError as exc:
        raise ProtocolError(f"pynmea2 could not parse the line: {exc}") from exc
    if not isinstance(sentence, pynmea_types.HAB) or sentence.sentence_type[3:] not in (
        _FIELD_COUNTS
    ):
        raise ProtocolError("not a $PHABT, $PHABE or $PHABR sentence")
    data: list[str] = list(sentence.data)
    kind = data[0]
    expected = _FIELD_COUNTS[kind]
    if len(data) != expected:
        raise FieldError(f"$PHAB{kind} needs {expected - 1} fields, this line has {len(data) - 1}")
    callsign = parse_callsign(data[1])
    seq = parse_seq(data[2])
    if kind == "T":
        return header_from_fields(callsign, seq, data, parse_extras(data[8]))
    if kind == "E":
        if not _CRC_RE.fullmatch(data[3]):
            raise FieldError(f"CRC {data[3]!r} is not 4 upper-case hex digits")
        return PacketEnd(callsign, seq, int(data[3], 16))
    return RadioReport(
        callsign=callsign,
        seq=seq,
        rssi_dbm=parse_decimal(data[3], "RSSI", *RSSI[2:]),
        snr_db=parse_decimal(data[4], "SNR", *SNR[2:]),
        freq_error_hz=parse_integer(
            data[5], "frequency error", -FREQ_ERROR_LIMIT, FREQ_ERROR_LIMIT
        ),
    )
