"""Typed records decoded from (or encoded into) the tracker's own lines.

A value that was not measured or not received is None, never 0.0 or "".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TelemetryHeader:
    """``$PHABT``: first line of a packet, with the tracker's housekeeping telemetry."""

    callsign: str
    seq: int
    time: dt.time | None
    battery_v: float | None
    temp_int_c: float | None
    temp_ext_c: float | None
    pressure_hpa: float | None
    extras: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PacketEnd:
    """``$PHABE``: last line of a packet, carrying the packet's CRC16."""

    callsign: str
    seq: int
    crc: int


@dataclass(frozen=True)
class RadioReport:
    """``$PHABR``: what the receiving radio measured about the packet just before it."""

    callsign: str
    seq: int
    rssi_dbm: float | None
    snr_db: float | None
    freq_error_hz: int | None


@dataclass(frozen=True)
class UkhasSentence:
    """A UKHAS ``$$CALLSIGN,...*CRC16`` sentence.

    ``extras`` are the fields after the altitude exactly as sent (their meaning is set by
    each flight's payload document, not by the sentence).
    """

    callsign: str
    sentence_id: int
    time: dt.time | None
    lat: float | None
    lon: float | None
    alt_m: float | None
    extras: tuple[str, ...] = ()


ProprietaryRecord = TelemetryHeader | PacketEnd | RadioReport
