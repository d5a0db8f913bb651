"""Checksums of the protocol: the NMEA XOR checksum and CRC16-CCITT."""

from __future__ import annotations

import binascii
import re

from firmware_protocol.errors import ChecksumError, ProtocolError

CRC16_POLY = 0x1021
CRC16_INIT = 0xFFFF


def _crc16_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ CRC16_POLY) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


_TABLE = _crc16_table()


def crc16_ccitt(data: bytes, init: int = CRC16_INIT) -> int:
    """CRC16-CCITT as used by UKHAS and by the PHABE line.

    Polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR
    (the variant often called CRC-16/CCITT-FALSE). Pass a previous result as ``init`` to
    continue a CRC over data that arrives in pieces.

    >>> hex(crc16_ccitt(b"123456789"))
    '0x29b1'
    """
    return binascii.crc_hqx(data, init & 0xFFFF)


def crc16_ccitt_reference(data: bytes, init: int = CRC16_INIT) -> int:
    """The same CRC computed byte by byte from its table, as firmware does it.

    :func:`crc16_ccitt` uses the standard library's C implementation of this very CRC
    (``binascii.crc_hqx``); tests check that the two agree.
    """
    crc = init & 0xFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[(crc >> 8) ^ byte]
    return crc


def nmea_checksum(body: str) -> int:
    """XOR of every character of an NMEA sentence between ``$`` and ``*`` (both excluded)."""
    value = 0
    for char in body.encode("ascii"):
        value ^= char
    return value


def nmea_sentence(body: str) -> str:
    """``"GPGGA,..."`` -> ``"$GPGGA,...*XX"`` (no line ending).

    The body must be printable ASCII without ``$`` or ``*``.
    """
    if not body.isascii() or not body.isprintable() or "$" in body or "*" in body:
        raise ProtocolError("an NMEA sentence body must be printable ASCII without '$' or '*'")
    return f"${body}*{nmea_checksum(body):02X}"


_SENTENCE = re.compile(r"\$([\x20-\x7e]*)\*([0-9A-Fa-f]{2})")


def verify_nmea(line: str) -> str:
    """Check one NMEA sentence strictly and return its body (between ``$`` and ``*``).

    Trailing CR/LF are ignored; anything else outside ``$...*XX`` is an error. The checksum
    must be two upper-case hex digits, as NMEA 0183 writes them: accepting lower case would
    let a one-bit error (``A`` -> ``a``) in the checksum itself go unnoticed.
    """
    text = line.rstrip("\r\n")
    match = _SENTENCE.fullmatch(text)
    if match is None:
        raise ProtocolError("not an NMEA sentence of the form $...*XX in printable ASCII")
    body, given = match.group(1), match.group(2)
    if "$" in body or "*" in body:
        raise ProtocolError("'$' or '*' inside an NMEA sentence body")
    if given != given.upper():
        raise ChecksumError(f"NMEA checksum {given} is not upper-case hex")
    computed = nmea_checksum(body)
    if int(given, 16) != computed:
        raise ChecksumError(f"bad NMEA checksum: line says {given}, text gives {computed:02X}")
    return body
