from __future__ import annotations

import datetime as dt
import re
import string
import subprocess
import sys
from pathlib import Path

import pynmea2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocol import (
    HABE,
    HABR,
    HABT,
    ChecksumError,
    FieldError,
    PacketChecker,
    PacketEnd,
    ProtocolError,
    RadioReport,
    SequenceTracker,
    TelemetryHeader,
    decode_proprietary,
    decode_ukhas,
    encode_end,
    encode_header,
    encode_nmea_fix,
    encode_packet,
    encode_radio_report,
    nmea_sentence,
    to_wire,
    verify_nmea,
)

CALLSIGN_ALPHABET = string.ascii_letters + string.digits + "_-"
callsigns = st.text(CALLSIGN_ALPHABET, min_size=1, max_size=16)
seqs = st.integers(0, 65535)
times = st.times().map(lambda t: t.replace(microsecond=t.microsecond // 10_000 * 10_000))
extra_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters=",*;=$"),
    min_size=1,
    max_size=20,
)
extras = st.dictionaries(
    st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=16),
    extra_values,
    max_size=3,
)


def optional(low: float, high: float) -> st.SearchStrategy[float | None]:
    return st.none() | st.floats(low, high)


def close(decoded: float | None, sent: float | None, decimals: int) -> bool:
    if sent is None:
        return decoded is None
    return decoded is not None and abs(decoded - sent) <= 0.5 * 10**-decimals + 1e-9


@given(
    callsigns,
    seqs,
    st.none() | times,
    optional(0, 100),
    optional(-100, 150),
    optional(-100, 150),
    optional(0, 1200),
    extras,
)
def test_header_round_trip(
    callsign: str,
    seq: int,
    time: dt.time | None,
    battery: float | None,
    temp_int: float | None,
    temp_ext: float | None,
    pressure: float | None,
    extra: dict[str, str],
) -> None:
    header = TelemetryHeader(callsign, seq, time, battery, temp_int, temp_ext, pressure, extra)
    line = encode_header(header)
    decoded = decode_proprietary(line + "\r\n")
    assert isinstance(decoded, TelemetryHeader)
    assert (decoded.callsign, decoded.seq, decoded.time, decoded.extras) == (
        callsign,
        seq,
        time,
        extra,
    )
    assert close(decoded.battery_v, battery, 2)
    assert close(decoded.temp_int_c, temp_int, 1)
    assert close(decoded.temp_ext_c, temp_ext, 1)
    assert close(decoded.pressure_hpa, pressure, 2)
    assert encode_header(decoded) == line  # decoding loses nothing that was sent


@given(callsigns, seqs, st.integers(0, 0xFFFF))
def test_end_round_trip(callsign: str, seq: int, crc: int) -> None:
    assert decode_proprietary(encode_end(PacketEnd(callsign, seq, crc))) == PacketEnd(
        callsign, seq, crc
    )


@given(
    callsigns,
    seqs,
    optional(-200, 30),
    optional(-50, 50),
    st.none() | st.integers(-1_000_000, 1_000_000),
)
def test_radio_report_round_trip(
    callsign: str, seq: int, rssi: float | None, snr: float | None, freq: int | None
) -> None:
    decoded = decode_proprietary(encode_radio_report(callsign, seq, rssi, snr, freq))
    assert isinstance(decoded, RadioReport)
    assert (decoded.callsign, decoded.seq, decoded.freq_error_hz) == (callsign, seq, freq)
    assert close(decoded.rssi_dbm, rssi, 1)
    assert close(decoded.snr_db, snr, 1)


def _knots(mps: float) -> float:
    return mps * 3600 / 1852


@settings(max_examples=150)
@given(
    callsigns,
    seqs,
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2068, 12, 31)),
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.floats(-500, 60_000),
    st.floats(0, 300),
    st.floats(0, 359.9),
    st.integers(0, 30),
    st.floats(0.5, 50),
    optional(0, 100),
    optional(-100, 150),
    optional(-100, 150),
    optional(0, 1200),
    extras,
)
def test_full_packet_round_trip(
    callsign: str,
    seq: int,
    when: dt.datetime,
    lat: float,
    lon: float,
    alt: float,
    speed: float,
    course: float,
    sats: int,
    hdop: float,
    battery: float | None,
    temp_int: float | None,
    temp_ext: float | None,
    pressure: float | None,
    extra: dict[str, str],
) -> None:
    lines = encode_packet(
        callsign, seq, when, lat, lon, alt, speed, course, sats, hdop,
        battery, temp_int, temp_ext, pressure, extra,
    )  # fmt: skip
    assert [line[:6] for line in lines] == ["$PHABT", "$GPGGA", "$GPRMC", "$PHABE"]
    checker = PacketChecker()
    verdicts = [checker.feed(line.encode()) for line in lines]
    assert verdicts[:3] == [None, None, None]
    assert verdicts[3] is not None and verdicts[3].ok
    header = decode_proprietary(lines[0])
    assert isinstance(header, TelemetryHeader)
    assert header.time == when.time().replace(microsecond=when.microsecond // 10_000 * 10_000)
    gga = pynmea2.parse(lines[1], check=True)
    rmc = pynmea2.parse(lines[2], check=True)
    assert abs(gga.latitude - lat) < 3e-7 and abs(gga.longitude - lon) < 3e-7
    assert abs(float(gga.altitude) - alt) <= 0.05 + 1e-9
    assert int(gga.num_sats) == sats
    assert abs(float(gga.horizontal_dil) - hdop) <= 0.05 + 1e-9
    assert rmc.status == "A" and rmc.datestamp == when.date()
    assert abs(float(rmc.spd_over_grnd) - _knots(speed)) <= 0.015  # cm/s, then 0.01 kn
    course_error = abs(float(rmc.true_course) - course)
    assert min(course_error, 360 - course_error) <= 0.05 + 1e-9  # one decimal, half way


def test_missing_values_are_empty_fields_and_decode_to_none() -> None:
    lines = encode_packet("NOFIX", 7, None, None, None, None, None, None, None, None,
                          None, None, None, None)  # fmt: skip
    assert lines[0].startswith("$PHABT,NOFIX,7,,,,,,*")
    assert lines[1].startswith("$GPGGA,,,,,,0,,,,,,,,*")
    assert lines[2].startswith("$GPRMC,,V,,,,,,,,,,N*")
    assert decode_proprietary(lines[0]) == TelemetryHeader(
        "NOFIX", 7, None, None, None, None, None, {}
    )


def test_southern_western_position_and_talker() -> None:
    gga, rmc = encode_nmea_fix(
        dt.datetime(2024, 2, 29, 23, 59, 59, 990000), -33.8688, -151.2093, 58.0, talker="GN"
    )
    assert gga.startswith("$GNGGA,235959.99,3352.12800,S,15112.55800,W,1,")
    assert ",290224," in rmc


def test_pynmea2_returns_the_typed_classes() -> None:
    header = pynmea2.parse("$PHABT,HAB1,42,101530.25,4.05,12.3,-45.6,187.25,up=600*30", check=True)
    assert isinstance(header, HABT)
    assert (header.callsign, header.seq, header.battery_v) == ("HAB1", 42, 4.05)
    assert header.timestamp == dt.time(10, 15, 30, 250000)
    end = pynmea2.parse(encode_end(PacketEnd("HAB1", 42, 0xCB6F)), check=True)
    assert isinstance(end, HABE) and end.crc == "CB6F"
    radio = pynmea2.parse(encode_radio_report("HAB1", 42, -101.5, 7.5, -350), check=True)
    assert isinstance(radio, HABR) and radio.freq_error_hz == -350


@pytest.mark.parametrize(
    ("body", "error", "reason"),
    [
        ("PHABT,HAB1,42,101530.25,4.05,12.3,-45.6,187.25", FieldError, "needs 8 fields"),
        ("PHABT,HAB1,42,101530.25,4.05,12.3,-45.6,187.25,,", FieldError, "needs 8 fields"),
        ("PHABT,HAB1,42,101530.25,four,12.3,-45.6,187.25,", FieldError, "not a decimal"),
        ("PHABT,HAB1,42,101530.25,nan,12.3,-45.6,187.25,", FieldError, "not a decimal"),
        ("PHABT,HAB1,42,101530.25,4.05,12.3,-45.6,1500,", FieldError, "outside"),
        ("PHABT,HAB1,70000,101530.25,4.05,12.3,-45.6,18,", FieldError, "sequence"),
        ("PHABT,HAB 1,1,101530.25,4.05,12.3,-45.6,18,", FieldError, "callsign"),
        ("PHABT,,1,101530.25,4.05,12.3,-45.6,18,", FieldError, "callsign"),
        ("PHABT,HAB1,1,256030.25,4.05,12.3,-45.6,18,", FieldError, "time"),
        ("PHABT,HAB1,1,101530.25,4.05,12.3,-45.6,18,up", FieldError, "name=value"),
        ("PHABT,HAB1,1,101530.25,4.05,12.3,-45.6,18,a=1;a=2", FieldError, "twice"),
        ("PHABE,HAB1,1,cb6f", FieldError, "hex"),
        ("PHABE,HAB1,1,CB6", FieldError, "hex"),
        ("PHABR,HAB1,1,-101.5,7.5,12.5", FieldError, "whole number"),
        ("PHABX,HAB1,1", ProtocolError, "not a $PHABT"),
        ("GPZDA,101530.25,01,06,2024,00,00", ProtocolError, "not a $PHABT"),
    ],
)
def test_malformed_lines_are_rejected_with_a_reason(
    body: str, error: type[Exception], reason: str
) -> None:
    with pytest.raises(error, match=reason.replace("$", r"\$")):
        decode_proprietary(nmea_sentence(body))


def test_bad_checksum_is_reported() -> None:
    line = encode_end(PacketEnd("HAB1", 1, 0x1234))
    corrupted = line.replace("1234", "1235")
    with pytest.raises(ChecksumError, match="checksum"):
        decode_proprietary(corrupted)


def _received_lines(data: bytes) -> list[bytes]:
    """What a receiver's framing makes of the bytes: split on LF, drop CR."""
    return [piece.rstrip(b"\r") for piece in data.split(b"\n") if piece]


def _detected(data: bytes) -> bool:
    checker = PacketChecker()
    verdicts = []
    for line in _received_lines(data):
        try:
            verify_nmea(line.decode("ascii"))
        except (UnicodeDecodeError, ProtocolError):
            return True
        verdict = checker.feed(line)
        if verdict is not None:
            verdicts.append(verdict)
    return not (len(verdicts) == 1 and verdicts[0].ok)


def test_every_single_bit_error_in_a_packet_is_detected() -> None:
    lines = encode_packet(
        "HAB-1_x", 65535, dt.datetime(2024, 6, 1, 10, 15, 30, 250000), 52.2123456, -0.1234567,
        12345.6, 7.3, 87.2, 9, 0.9, 4.05, 12.3, -45.6, 187.25, {"up": "600", "rad": "12"},
    )  # fmt: skip
    packet = to_wire(lines)
    assert not _detected(packet)
    undetected = []
    for bit in range(len(packet) * 8):
        corrupted = bytearray(packet)
        corrupted[bit // 8] ^= 1 << (bit % 8)
        if not _detected(bytes(corrupted)):
            undetected.append(bit)
    assert undetected == []


def test_checker_verifies_lf_only_logs_and_catches_a_lost_line() -> None:
    lines = encode_packet("HAB1", 3, dt.datetime(2024, 6, 1), 52.0, 0.1, 100.0, 5.0, 90.0, 8,
                          1.0, 4.0, 20.0, 15.0, 1000.0)  # fmt: skip
    lf_log = "\n".join(lines).encode() + b"\n"
    checker = PacketChecker()
    verdicts = [checker.feed(line) for line in lf_log.splitlines()]
    assert verdicts[-1] is not None and verdicts[-1].ok
    lost_gga = [lines[0], lines[2], lines[3]]
    verdict = [checker.feed(line.encode()) for line in lost_gga][-1]
    assert verdict is not None and not verdict.ok and "CRC mismatch" in (verdict.reason or "")
    orphan = checker.feed(lines[3].encode())
    assert orphan is not None and not orphan.ok and "header was lost" in (orphan.reason or "")


def test_sequence_tracker_counts_gaps_across_the_wrap() -> None:
    tracker = SequenceTracker()
    kinds = [tracker.observe("A", seq).kind for seq in (65533, 65534, 1, 2)]
    assert kinds == ["first", "next", "gap", "next"]
    stats = tracker.stats("A")
    assert stats is not None and stats.lost == 2 and stats.received == 4


def test_sequence_tracker_duplicates_late_packets_and_reboots() -> None:
    tracker = SequenceTracker()
    for seq in (100, 101, 103):
        tracker.observe("A", seq)
    assert tracker.observe("A", 103).kind == "duplicate"
    assert tracker.observe("A", 102).lost == -1  # arrived late: not lost after all
    assert tracker.observe("A", 101).kind == "duplicate"
    assert tracker.observe("A", 0).kind == "restart"  # rebooted: not 65,000 losses
    assert tracker.observe("A", 1).kind == "next"
    assert tracker.observe("B", 5).kind == "first"  # callsigns are counted apart
    stats = tracker.stats("A")
    assert stats is not None
    assert (stats.received, stats.lost, stats.duplicates, stats.late, stats.restarts) == (
        6, 0, 2, 1, 1,
    )  # fmt: skip


def test_package_does_not_load_the_ground_station_or_heavy_libraries() -> None:
    code = (
        "import sys, firmware_protocol, firmware_protocol.emulator\n"
        "bad = [m for m in ('groundstation', 'sqlite3', 'sqlite_utils', 'textual', 'folium')"
        " if m in sys.modules]\n"
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_spec_examples_are_real() -> None:
    spec = (Path(__file__).resolve().parents[2] / "firmware_protocol" / "SPEC.md").read_text()
    examples = [
        line for line in spec.splitlines() if re.match(r"\$(PHAB|GP)\w+,.*\*[0-9A-F]{2}$", line)
    ]
    assert len(examples) == 9
    checker = PacketChecker()
    verdicts = []
    for line in examples:
        if line.startswith("$PHAB"):
            decode_proprietary(line)
        else:
            verify_nmea(line)
        if (verdict := checker.feed(line.encode())) is not None:
            verdicts.append(verdict.ok)
    assert verdicts == [True, True]
    ukhas = [line for line in spec.splitlines() if re.match(r"\$\$\w+,\d", line)]
    assert [decode_ukhas(line).callsign for line in ukhas] == ["PIE1"]
