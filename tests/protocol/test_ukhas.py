from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_protocol import (
    ChecksumError,
    FieldError,
    ProtocolError,
    UkhasSentence,
    crc16_ccitt,
    decode_ukhas,
    encode_ukhas,
)


def _sentence(body: str) -> str:
    return f"$${body}*{crc16_ccitt(body.encode()):04X}"


def test_a_typical_tracker_sentence_decodes() -> None:
    line = _sentence("PIE1,1234,10:15:30,52.123456,-0.123456,12345,9,-12.5,3.71") + "\n"
    assert decode_ukhas(line) == UkhasSentence(
        "PIE1", 1234, dt.time(10, 15, 30), 52.123456, -0.123456, 12345.0, ("9", "-12.5", "3.71")
    )


def test_lower_case_crc_and_hhmmss_time_are_accepted() -> None:
    body = "PIE1,7,101530,52.1,0.1,120"
    line = f"$${body}*{crc16_ccitt(body.encode()):04x}"
    assert decode_ukhas(line).time == dt.time(10, 15, 30)


def test_no_fix_gives_none() -> None:
    decoded = decode_ukhas(_sentence("PIE1,7,,,,"))
    assert (decoded.time, decoded.lat, decoded.lon, decoded.alt_m) == (None, None, None, None)


def test_bad_crc_is_rejected() -> None:
    good = _sentence("PIE1,1,10:15:30,52.1,0.1,120")
    bad = good[:-4] + f"{(int(good[-4:], 16) ^ 1):04X}"
    with pytest.raises(ChecksumError, match="bad CRC16"):
        decode_ukhas(bad)
    with pytest.raises(ChecksumError, match="bad CRC16"):
        decode_ukhas(good.replace("52.1", "52.2"))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("PIE1,1,10:15:30,52.1,0.1", "at least 6 fields"),
        ("PIE1,x,10:15:30,52.1,0.1,120", "sentence id"),
        ("PIE1,1,25:15:30,52.1,0.1,120", "time"),
        ("PIE1,1,10:15:30,95.0,0.1,120", "latitude"),
        ("PIE1,1,10:15:30,52.1,,120", "both"),
        ("PIE 1,1,10:15:30,52.1,0.1,120", "callsign"),
        ("PIE1,1,10:15:30,52.1,0.1,high", "altitude"),
    ],
)
def test_malformed_fields_are_rejected(body: str, reason: str) -> None:
    with pytest.raises(FieldError, match=reason):
        decode_ukhas(_sentence(body))


def test_other_framing_is_not_ukhas() -> None:
    with pytest.raises(ProtocolError):
        decode_ukhas("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47")
    with pytest.raises(ProtocolError):
        decode_ukhas("$$PIE1,1,10:15:30,52.1,0.1,120*4A")  # XOR checksum: not accepted in v1


@given(
    st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=16),
    st.integers(0, 999_999_999),
    st.none() | st.times().map(lambda t: t.replace(microsecond=0)),
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.none() | st.floats(-1000, 100_000),
    st.lists(
        st.text(st.sampled_from(string.ascii_letters + string.digits + ".-"), max_size=8),
        max_size=5,
    ),
)
def test_round_trip(
    callsign: str,
    sentence_id: int,
    time: dt.time | None,
    lat: float,
    lon: float,
    alt: float | None,
    extras: list[str],
) -> None:
    decoded = decode_ukhas(encode_ukhas(callsign, sentence_id, time, lat, lon, alt, extras))
    assert (decoded.callsign, decoded.sentence_id, decoded.time) == (callsign, sentence_id, time)
    assert decoded.lat is not None and abs(decoded.lat - lat) <= 5e-7 + 1e-12
    assert decoded.lon is not None and abs(decoded.lon - lon) <= 5e-7 + 1e-12
    if alt is None:
        assert decoded.alt_m is None
    else:
        assert decoded.alt_m is not None and abs(decoded.alt_m - alt) <= 0.5
    assert decoded.extras == tuple(extras)
