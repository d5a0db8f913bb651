"""The one exception tree of the tracker protocol.

::

    ValueError
    └── ProtocolError          anything that is not a valid v1 line, or cannot be said in one
        ├── ChecksumError      the NMEA checksum (*XX) or a CRC16 does not match the text
        └── FieldError         the framing is right but a field is missing, malformed or
                               out of range (wrong field count, non-numeric number, bad
                               callsign, latitude 91, ...)

Every message is one plain sentence meant for a person reading a log ("bad NMEA checksum:
line says 4A, text gives 4B"). Encoders raise the same errors when asked to produce a line
the protocol cannot carry (a callsign with a space, a battery voltage of -3 V).
"""

from __future__ import annotations


class ProtocolError(ValueError):
    """A line (or a value to encode) that the v1 protocol does not allow."""


class ChecksumError(ProtocolError):
    """The NMEA checksum or the CRC16 does not match the text it protects."""


class FieldError(ProtocolError):
    """A field is missing, malformed or out of range."""
