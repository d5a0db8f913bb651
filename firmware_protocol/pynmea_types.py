"""pynmea2 sentence classes for ``$PHABT``, ``$PHABE`` and ``$PHABR``.

Importing this module registers manufacturer ``HAB`` with pynmea2 (through the same
metaclass registry its Garmin ``GRM`` classes use), so ``pynmea2.parse("$PHABT,...*XX")``
returns a :class:`HABT`. pynmea2 converts fields leniently (a bad number comes back as its
string); :func:`firmware_protocol.decode_proprietary` is the strict, typed decoder.
"""

from __future__ import annotations

import pynmea2

from firmware_protocol.fields import parse_hhmmss


class HAB(pynmea2.ProprietarySentence):  # type: ignore[misc]
    """Manufacturer base: picks HABT/HABE/HABR from the letter after ``$PHAB``."""

    sentence_types: dict[str, type[HAB]] = {}

    def __new__(cls, manufacturer: str, data: list[str]) -> HAB:
        name = manufacturer + (data[0] if data else "")
        chosen = cls.sentence_types.get(name, cls)
        instance: HAB = super().__new__(chosen)
        return instance

    def __init__(self, manufacturer: str, data: list[str]) -> None:
        self.sentence_type = manufacturer + (data[0] if data else "")
        super().__init__(manufacturer, data)


class HABT(HAB):
    """Packet header with telemetry."""

    fields = (
        ("Sentence type", "subtype"),
        ("Callsign", "callsign"),
        ("Sequence number", "seq", int),
        ("UTC time", "timestamp", parse_hhmmss),
        ("Battery voltage (V)", "battery_v", float),
        ("Internal temperature (C)", "temp_int_c", float),
        ("External temperature (C)", "temp_ext_c", float),
        ("Pressure (hPa)", "pressure_hpa", float),
        ("Extras (name=value;...)", "extras"),
    )


class HABE(HAB):
    """Packet end with the CRC16 of the packet."""

    fields = (
        ("Sentence type", "subtype"),
        ("Callsign", "callsign"),
        ("Sequence number", "seq", int),
        ("CRC16 (hex)", "crc"),
    )


class HABR(HAB):
    """Radio link report appended by the receiver."""

    fields = (
        ("Sentence type", "subtype"),
        ("Callsign", "callsign"),
        ("Sequence number", "seq", int),
        ("RSSI (dBm)", "rssi_dbm", float),
        ("SNR (dB)", "snr_db", float),
        ("Frequency error (Hz)", "freq_error_hz", int),
    )
