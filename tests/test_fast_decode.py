"""The lean decode route gives exactly what pynmea2 and decode_proprietary give.

``groundstation.decoding.fastpath`` takes plain talker sentences and ``$PHAB*`` lines without
asking pynmea2. These tests hold it to the decoders of record line by line: over the gpsd
corpus, the sample logs, emulator flights with every kind of link fault, and Hypothesis
mutations of real sentences. The packet checker is held to firmware_protocol's the same way.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from functools import cache, reduce
from pathlib import Path

import pynmea2
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from paths import CORPUS, SAMPLE_LOGS

import firmware_protocol
from firmware_protocol import ProtocolError, decode_proprietary
from firmware_protocol.emulator import SimulationConfig, simulate
from groundstation.decoding import fastpath
from groundstation.decoding.framing import LineFramer
from groundstation.decoding.packets import PacketChecker


def _framed_lines(data: bytes) -> list[bytes]:
    framer = LineFramer()
    return [line for line, _ in framer.feed(data) + framer.flush()]


def _emulated(**faults: float) -> bytes:
    config = SimulationConfig(trackers=2, seed=11, interval=2.0, **faults)
    return b"".join(chunk for _, chunk in simulate(config))


FAULTS: dict[str, dict[str, float]] = {
    "clean": {},
    "bit-errors": {"bit_errors": 0.003},
    "noise-truncate-loss": {"noise": 0.1, "truncate": 0.1, "loss": 0.05},
}


@cache
def _streams() -> dict[str, bytes]:
    streams = {f"emulator-{name}": _emulated(**faults) for name, faults in FAULTS.items()}
    for path in sorted(SAMPLE_LOGS.glob("*.log")) + sorted(CORPUS.glob("*/*.log")):
        streams[f"{path.parent.name}/{path.name}"] = path.read_bytes()
    return streams


def _texts(data: bytes) -> Iterator[str]:
    for line in _framed_lines(data):
        try:
            text = line.decode("ascii")
        except UnicodeDecodeError:
            continue
        yield text
        if text.startswith("$$"):  # the decoder strips a doubled '$' before NMEA decoding
            yield "$" + text.lstrip("$")


def _by_pynmea2(text: str) -> tuple[str, str, list[str]] | None:
    try:
        msg = pynmea2.parse(text, check=True)
    except (pynmea2.ParseError, ValueError, TypeError, AttributeError, IndexError):
        return None
    if not isinstance(msg, pynmea2.TalkerSentence):
        return None
    return msg.talker, msg.sentence_type, list(msg.data)


def _outcome(fn: object, text: str) -> tuple[str, object]:
    try:
        return "ok", fn(text)  # type: ignore[operator]
    except ProtocolError as exc:
        return type(exc).__name__, str(exc)


def check_line(text: str) -> None:
    (xor,) = fastpath.body_checksums([text.encode("latin-1")])
    fast = fastpath.split_talker(text)
    assert fastpath.split_talker(text, xor) == fast
    if fast is not None:  # taken on the lean route: pynmea2 must agree exactly
        assert fast == _by_pynmea2(text), text
    if text.startswith("$PHAB"):
        expected = _outcome(decode_proprietary, text)
        assert _outcome(fastpath.proprietary, text) == expected, text
        fastpath._last_end = ("", fastpath._last_end[1])  # no memo: decode it again, with xor
        assert _outcome(lambda t: fastpath.proprietary(t, xor), text) == expected, text


def test_streams_are_not_trivial() -> None:
    streams = _streams()
    assert len(streams) > 20
    taken = sum(fastpath.split_talker(t) is not None for d in streams.values() for t in _texts(d))
    assert taken > 10_000  # the lean route really is the common one


@pytest.mark.parametrize("name", sorted(FAULTS) + ["samples-and-corpus"])
def test_same_as_decoders_of_record_line_by_line(name: str) -> None:
    streams = _streams()
    chosen = (
        [streams[f"emulator-{name}"]]
        if name in FAULTS
        else [d for k, d in streams.items() if not k.startswith("emulator-")]
    )
    for data in chosen:
        for text in _texts(data):
            check_line(text)


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_packet_checker_same_verdicts(name: str) -> None:
    ours, theirs = PacketChecker(), firmware_protocol.PacketChecker()
    verdicts = 0
    for line in _framed_lines(_streams()[f"emulator-{name}"]):
        mine = ours.feed(line)
        assert mine == theirs.feed(line), line
        verdicts += mine is not None
    assert ours.abandoned == theirs.abandoned
    assert verdicts > 50


def test_xor_checksum_matches_a_plain_fold() -> None:
    for n in range(0, 300):
        body = "".join(chr(32 + (i * 37 + n) % 95) for i in range(n))
        assert fastpath.xor_checksum(body) == reduce(operator.xor, body.encode(), 0)


def test_body_checksums_of_a_whole_chunk() -> None:
    lines = _framed_lines(_streams()["emulator-noise-truncate-loss"])
    sums = fastpath.body_checksums(lines)
    assert len(sums) == len(lines)
    for line, value in zip(lines, sums, strict=True):
        if len(line) >= 5:
            assert value == reduce(operator.xor, line[1:-3], 0)


def _unsealed_one_by_one(data: bytes) -> list[int]:
    """Where each LF-ended line starts, when it is not ``...*HH`` with HH its body's XOR."""
    found, start = [], 0
    while (end := data.find(b"\n", start)) >= 0:
        line = data[start:end].removesuffix(b"\r")
        body = line[1:-3]
        stated = line[-2:].decode("latin-1")
        if not (
            len(line) >= 6
            and line[-3:-2] == b"*"
            and all(c in "0123456789ABCDEF" for c in stated)
            and int(stated, 16) == reduce(operator.xor, body, 0)
        ):
            found.append(start)
        start = end + 1
    return found


def test_unsealed_lines_of_a_whole_chunk() -> None:
    for data in _streams().values():
        assert fastpath.unsealed_starts(data) == _unsealed_one_by_one(data)
    assert fastpath.unsealed_starts(_streams()["emulator-noise-truncate-loss"])  # not vacuous


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"$", b"*", b"\r", b"\n", b"A", b"0", b"3", b"f", b"\x00",
                                 b"$GPGGA,1*53", b"$AB*03"]), max_size=40))  # fmt: skip
def test_unsealed_lines_of_odd_bytes(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert fastpath.unsealed_starts(data) == _unsealed_one_by_one(data)


def _seed_lines() -> list[str]:
    lines = []
    for data in (_streams()["emulator-clean"], (SAMPLE_LOGS / "clean-nmea.log").read_bytes()):
        lines += list(_texts(data))[:60]
    return lines


SEEDS = _seed_lines() if SAMPLE_LOGS.exists() else ["$GPGGA,,,,,,0,,,,,,,,*66"]
PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
EDGE = st.sampled_from(list("$*,.-0123456789ABCDEFaf ;=PHABTERGNM"))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["replace", "insert", "delete"]))
        char = draw(st.one_of(EDGE, PRINTABLE))
        if op == "replace" and i < len(text):
            text = text[:i] + char + text[i + 1 :]
        elif op == "insert":
            text = text[:i] + char + text[i:]
        else:
            text = text[:i] + text[i + 1 :]
    if draw(st.booleans()):  # keep the checksum right, so the line reaches the field checks
        star = text.rfind("*")
        if text.startswith("$") and star > 0:
            body = text[1:star]
            text = f"${body}*{reduce(operator.xor, body.encode('latin-1'), 0):02X}"
    return text


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
@example("$PHABT,B1,1,,,,,,*75")
@example("$PHABE,B1,00001,ab12*3F")
@example("$GPGGA,1,2*5C")
@example("$pxgga,1*00")
@example("$PXGGA,1*14")
def test_mutated_sentences_same_as_decoders_of_record(text: str) -> None:
    check_line(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(PRINTABLE, max_size=90).map(lambda s: "$" + s))
def test_arbitrary_text_same_as_decoders_of_record(text: str) -> None:
    check_line(text)


def test_corpus_is_there() -> None:
    assert any(Path(CORPUS).glob("*/*.log")), f"no corpus at {CORPUS}"
