"""A packet decoded at once gives exactly what its lines fed one by one give.

``LineIngest`` hands a packet whose lines all arrived in one chunk to
``PacketAssembler.packet``, which skips the checkpoint and the line-by-line CRC an intact packet
does not need. These tests decode the same bytes both ways, in chunks of several sizes, and
compare every decoded line: emulator flights with every kind of link fault, the sample logs,
the corpus, and Hypothesis edits of a clean flight.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import CORPUS, SAMPLE_LOGS

from firmware_protocol import crc16_ccitt
from firmware_protocol.checksums import nmea_sentence
from firmware_protocol.emulator import SimulationConfig, simulate
from groundstation.models import Decoded, LinkQuality
from groundstation.pipeline import LineIngest

WHEN = datetime(2024, 6, 1, 12, tzinfo=UTC)


class LineByLine(LineIngest):
    whole_packets = False


def decode(kind: type[LineIngest], data: bytes, size: int) -> list[Decoded]:
    ingest = kind("test", "DEFAULT", live_clock=False)
    out: list[Decoded] = []
    for i in range(0, len(data), size):
        out += ingest.feed(data[i : i + size], WHEN)
    return out + ingest.finish(WHEN)


def emulated(seed: int = 11, size: int = 250_000, **faults: float) -> bytes:
    """The whole lines in the first ``size`` bytes of an emulated flight."""
    config = SimulationConfig(trackers=3, seed=seed, interval=2.0, **faults)
    out = bytearray()
    for _, chunk in simulate(config):
        out += chunk
        if len(out) >= size:
            break
    return bytes(out[: out.rfind(b"\n", 0, size) + 1])  # whole lines


FAULTS: dict[str, dict[str, float]] = {
    "clean": {},
    "bit-errors": {"bit_errors": 0.003},
    "noise-truncate-loss": {"noise": 0.1, "truncate": 0.1, "loss": 0.05},
    "loss-only": {"loss": 0.2},
}


def same_both_ways(data: bytes, sizes: tuple[int, ...] = (97, 4096)) -> list[Decoded]:
    expected = decode(LineByLine, data, len(data) or 1)
    for size in sizes:
        assert decode(LineIngest, data, size) == expected, f"chunks of {size} bytes"
    return expected


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_emulated_flights_decode_the_same_either_way(name: str) -> None:
    decoded = same_both_ways(emulated(**FAULTS[name]))
    assert sum(d.status == "ok" for d in decoded) > 1000
    lost = sum(getattr(r, "lost_before", 0) for d in decoded for r in d.records)
    rejected = sum(d.status == "rejected" for d in decoded)
    assert (lost, rejected) == (0, 0) if name == "clean" else lost + rejected > 10


def test_sample_logs_and_corpus_decode_the_same_either_way() -> None:
    logs = sorted(SAMPLE_LOGS.glob("*.log")) + sorted(CORPUS.glob("*/*.log"))
    assert len(logs) > 20
    for path in logs:
        same_both_ways(path.read_bytes(), sizes=(4096,))


CLEAN = emulated(seed=5, size=60_000)
CLEAN_LINES = CLEAN.split(b"\n")
EDITS = st.lists(
    st.tuples(
        st.integers(0, len(CLEAN_LINES) - 1),
        st.sampled_from(["drop", "double", "flip", "swap", "cut", "crlf"]),
        st.integers(0, 80),
    ),
    max_size=25,
)


def edited(edits: list[tuple[int, str, int]]) -> bytes:
    """The clean flight with each edit made: (line, what, where in the line)."""
    lines = list(CLEAN_LINES)
    for at, how, where in edits:
        at %= len(lines)
        line = lines[at]
        if how == "drop":
            del lines[at]
        elif how == "double":
            lines.insert(at, line)
        elif how == "flip" and line:
            i = where % len(line)
            lines[at] = line[:i] + bytes([line[i] ^ 0x01]) + line[i + 1 :]
        elif how == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif how == "cut":
            lines[at] = line[: where % (len(line) + 1)]
        elif how == "crlf":  # this line ends CRLF, its neighbours LF
            lines[at] = line + b"\r"
    return b"\n".join(lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EDITS, st.sampled_from([64, 512, 4096, 0]))  # 0: the whole stream in one chunk
def test_edited_flights_decode_the_same_either_way(
    edits: list[tuple[int, str, int]], size: int
) -> None:
    data = edited(edits)
    whole = len(data) or 1
    assert decode(LineIngest, data, size or whole) == decode(LineByLine, data, whole)


def sealed(callsign: str, seq: int, header: str, *middle: str, end_seq: int | None = None) -> bytes:
    """A packet with every checksum and its CRC right, whatever its fields say."""
    lines = [nmea_sentence(f"PHABT,{callsign},{seq},{header}")]
    lines += [nmea_sentence(body) for body in middle]
    crc = 0xFFFF
    for line in lines:
        crc = crc16_ccitt(line.encode() + b"\r\n", crc)
    end = seq if end_seq is None else end_seq
    lines.append(nmea_sentence(f"PHABE,{callsign},{end},{crc:04X}"))
    return b"".join(line.encode() + b"\r\n" for line in lines)


GGA = "GPGGA,{t},{lat},N,00005.99942,E,1,08,1.0,{alt},M,,,,"
RMC = "GPRMC,{t},A,{lat},N,00005.99942,E,0.23,,010624,,,A"
TELEMETRY = "{t},4.14,22.4,14.4,1009.88,up=0"


def packet(
    callsign: str,
    seq: int,
    t: str,
    alt: float = 100.0,
    lat: str = "5211.99882",
    header: str | None = None,
    end_seq: int | None = None,
) -> bytes:
    header = TELEMETRY.format(t=t) if header is None else header
    gga, rmc = GGA.format(t=t, alt=alt, lat=lat), RMC.format(t=t, lat=lat)
    return sealed(callsign, seq, header, gga, rmc, end_seq=end_seq)


def without(data: bytes, start: bytes) -> bytes:
    """``data`` without its lines that start with ``start``."""
    return b"".join(line for line in data.splitlines(True) if not line.startswith(start))


CASES = {
    # a header whose fields are wrong though its checksums and CRC are right
    # (its lines must teach the decoder nothing: the orphans at the end are judged without them)
    "bad header field": packet("ONE", 1, "100000.00")
    + packet("ONE", 2, "100002.00", header="100002.00,x,22.4,14.4,1009.88,")
    + packet("ONE", 3, "100004.00")
    + without(without(packet("ONE", 4, "100006.00", lat="5311.99882"), b"$PHABT"), b"$PHABE"),
    # the second packet's header lost: its fixes are orphans until its end line names them
    "lost header": packet("ONE", 1, "100000.00")
    + without(packet("ONE", 2, "100002.00"), b"$PHABT")
    + packet("ONE", 3, "100004.00"),
    # end line for another packet than its header
    "end for another packet": packet("ONE", 1, "100000.00")
    + packet("ONE", 2, "100002.00", end_seq=7)
    + packet("ONE", 3, "100004.00"),
    # a fix too far from the last one (plausibility) inside an intact packet
    "implausible jump": packet("ONE", 1, "100000.00")
    + packet("ONE", 2, "100002.00", alt=90_000.0)
    + packet("ONE", 3, "100004.00"),
    # two trackers, one of them with a sequence gap
    "two trackers": packet("ONE", 1, "100000.00")
    + packet("TWO", 1, "100000.50")
    + packet("ONE", 5, "100002.00")
    + packet("TWO", 2, "100002.50"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_packets_the_sender_got_wrong_decode_the_same_either_way(name: str) -> None:
    data = CASES[name]
    fast = decode(LineIngest, data, len(data))
    assert fast == decode(LineByLine, data, len(data))
    assert len(fast) == data.count(b"\n")
    links = [r for d in fast for r in d.records if isinstance(r, LinkQuality)]
    rejected = sum(d.status == "rejected" for d in fast)
    if name == "two trackers":
        assert [r.lost_before for r in links] == [0, 0, 3, 0]
    elif name == "lost header":  # adopted by its end line: decoded, CRC not checked
        assert [r.crc_ok for r in links] == [True, None, True] and rejected == 0
    else:
        assert rejected >= 1
