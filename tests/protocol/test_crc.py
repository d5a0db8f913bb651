from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_protocol import (
    ChecksumError,
    ProtocolError,
    crc16_ccitt,
    nmea_checksum,
    nmea_sentence,
    verify_nmea,
)


@pytest.mark.parametrize(
    ("data", "crc"),
    [(b"habitat", 0x3EFB), (b"123456789", 0x29B1), (b"", 0xFFFF)],
)
def test_crc16_known_vectors(data: bytes, crc: int) -> None:
    assert crc16_ccitt(data) == crc


@given(st.binary(max_size=200), st.binary(max_size=200))
def test_crc16_continues_over_pieces(first: bytes, second: bytes) -> None:
    assert crc16_ccitt(second, crc16_ccitt(first)) == crc16_ccitt(first + second)


@given(st.binary(min_size=1, max_size=100), st.data())
def test_crc16_detects_every_single_bit_flip(data: bytes, draw: st.DataObject) -> None:
    bit = draw.draw(st.integers(0, len(data) * 8 - 1))
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    assert crc16_ccitt(bytes(flipped)) != crc16_ccitt(data)


def test_nmea_checksum_of_a_real_gga() -> None:
    body = "GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"
    assert nmea_checksum(body) == 0x47
    assert nmea_sentence(body) == f"${body}*47"
    assert verify_nmea(f"${body}*47\r\n") == body


def test_verify_rejects_wrong_and_lower_case_checksums() -> None:
    with pytest.raises(ChecksumError, match="bad NMEA checksum"):
        verify_nmea("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48")
    with pytest.raises(ChecksumError, match="upper-case"):
        verify_nmea("$PHABE,X,1,ABCD*3a")
    with pytest.raises(ProtocolError):
        verify_nmea("$GPGGA,no checksum")


def test_nmea_sentence_refuses_reserved_characters() -> None:
    with pytest.raises(ProtocolError):
        nmea_sentence("PHABT,a*b")


@given(st.binary(max_size=300), st.integers(0, 0xFFFF))
def test_the_fast_crc_agrees_with_the_table_driven_reference(data: bytes, init: int) -> None:
    from firmware_protocol.checksums import crc16_ccitt_reference

    assert crc16_ccitt(data, init) == crc16_ccitt_reference(data, init)
