"""The wire contract between balloon tracker firmware and the ground station (protocol v1).

See ``SPEC.md`` next to this file. This package never imports the ground station, SQLite,
Textual or folium; it does no I/O (the tracker emulator in :mod:`firmware_protocol.emulator`
only yields bytes).
"""

from __future__ import annotations

from firmware_protocol.checksums import crc16_ccitt, nmea_checksum, nmea_sentence, verify_nmea
from firmware_protocol.errors import ChecksumError, FieldError, ProtocolError
from firmware_protocol.nmea_fix import encode_gga, encode_nmea_fix, encode_rmc
from firmware_protocol.packet import (
    PacketCheck,
    PacketChecker,
    encode_packet,
    packet_crc,
    to_wire,
)
from firmware_protocol.proprietary import (
    MAX_LINE_BYTES,
    decode_proprietary,
    encode_end,
    encode_header,
    encode_radio,
    encode_radio_report,
    encode_record,
)
from firmware_protocol.pynmea_types import HAB, HABE, HABR, HABT
from firmware_protocol.records import PacketEnd, RadioReport, TelemetryHeader, UkhasSentence
from firmware_protocol.sequence import SequenceEvent, SequenceStats, SequenceTracker
from firmware_protocol.ukhas import decode_ukhas, encode_ukhas

PROTOCOL_VERSION = "v1"

__all__ = [
    "HAB",
    "HABE",
    "HABR",
    "HABT",
    "MAX_LINE_BYTES",
    "PROTOCOL_VERSION",
    "ChecksumError",
    "FieldError",
    "PacketCheck",
    "PacketChecker",
    "PacketEnd",
    "ProtocolError",
    "RadioReport",
    "SequenceEvent",
    "SequenceStats",
    "SequenceTracker",
    "TelemetryHeader",
    "UkhasSentence",
    "crc16_ccitt",
    "decode_proprietary",
    "decode_ukhas",
    "encode_end",
    "encode_gga",
    "encode_header",
    "encode_nmea_fix",
    "encode_packet",
    "encode_radio",
    "encode_radio_report",
    "encode_record",
    "encode_rmc",
    "encode_ukhas",
    "nmea_checksum",
    "nmea_sentence",
    "packet_crc",
    "to_wire",
    "verify_nmea",
]
