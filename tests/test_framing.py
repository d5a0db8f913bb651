from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paths import SAMPLE_LOGS

from groundstation.decoding.framing import CUT_OFF, MAX_LINE, TOO_LONG, LineFramer
from groundstation.pipeline import LineIngest

GGA = b"$GPGGA,000941.00,4404.13387,N,12118.85628,W,1,12,1.01,1144.8,M,-21.4,M,,*4F"


def frame(
    *chunks: bytes, max_line: int = MAX_LINE, kind: type[LineFramer] = LineFramer
) -> list[tuple[bytes, str | None]]:
    framer = kind(max_line)
    out = []
    for chunk in chunks:
        out += framer.feed(chunk)
    return out + framer.flush()


def test_cr_lf_and_crlf_endings_give_the_same_lines() -> None:
    for ending in (b"\r", b"\n", b"\r\n", b"\n\r"):
        assert frame(GGA + ending + GGA + ending) == [(GGA, None), (GGA, None)]


def test_a_sentence_cut_off_and_glued_to_the_next_becomes_two_lines() -> None:
    glued = b"$GPGGA,030130$GPGLL,2638.1728,N,08011.3893,W,030131.000,A,A*41\r\n"
    assert [line for line, _ in frame(glued)] == [
        b"$GPGGA,030130",
        b"$GPGLL,2638.1728,N,08011.3893,W,030131.000,A,A*41",
    ]


def test_doubled_dollar_stays_at_the_start_of_its_line() -> None:
    lines = frame(b"junk$$GNGSA,A,3,27,08*34\r\n$$CALL,1*ABCD\n")
    assert [line for line, _ in lines] == [b"junk", b"$$GNGSA,A,3,27,08*34", b"$$CALL,1*ABCD"]


def test_nul_bytes_and_binary_stay_in_their_line_for_the_decoder_to_reject() -> None:
    lines = frame(b"\xb5\x62\x01\x07\x00$GPRMC,000346.03,A,4808\x00\x00\x00  \r\n")
    assert lines == [
        (b"\xb5\x62\x01\x07\x00", None),
        (b"$GPRMC,000346.03,A,4808\x00\x00\x00  ", None),
    ]


def test_an_endless_line_is_cut_into_capped_pieces_marked_too_long() -> None:
    framer = LineFramer(100)
    out = []
    for _ in range(100):
        out += framer.feed(b"A" * 50)
        assert len(framer._buf) <= 100  # memory stays bounded however long the line runs
    out += framer.feed(b"\n" + GGA + b"\n")
    pieces = out[:-1]
    assert all(err == TOO_LONG and len(line) <= 100 for line, err in pieces)
    assert b"".join(line for line, _ in pieces) == b"A" * 5000
    assert out[-1] == (GGA, None)  # the next line is clean again


def test_a_partial_last_line_is_handed_on_at_the_end_marked_as_cut_off() -> None:
    framer = LineFramer()
    assert framer.feed(GGA + b"\r\n$GPGGA,1234") == [(GGA, None)]
    assert framer.flush() == [(b"$GPGGA,1234", CUT_OFF)]
    assert framer.flush() == []


@pytest.mark.parametrize(
    "last",
    [GGA, GGA + b" ", b"$$ICARUS,12,10:42:01,51.5,-0.1,1000*8A2F", b"# the end", b"noise"],
)
def test_a_whole_last_line_without_its_ending_is_not_cut_off(last: bytes) -> None:
    """A log whose last line has no line ending: a sentence with its checksum, or a line that
    is no sentence, goes on as it is."""
    framer = LineFramer()
    assert framer.feed(GGA + b"\n" + last) == [(GGA, None)]
    assert framer.flush() == [(last, None)]


def test_a_sentence_cut_off_by_the_end_of_the_stream_is_rejected_as_that() -> None:
    """The demo or a port stopped mid-sentence: the fragment is stored, and says why."""
    ingest = LineIngest("k", "T", live_clock=False)
    when = datetime(2024, 6, 1, tzinfo=UTC)
    good = b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"
    decoded = ingest.feed(good + b"\r\n$GPRMC,1235", when) + ingest.finish(when)
    assert [(d.status, d.reason, d.raw.data) for d in decoded] == [
        ("ok", None, good),
        ("rejected", "cut off: the data ended mid-line", b"$GPRMC,1235"),
    ]


@given(st.binary(max_size=2000), st.lists(st.integers(1, 300), max_size=20))
def test_every_byte_leaves_in_exactly_one_line_however_it_is_chunked(
    data: bytes, cuts: list[int]
) -> None:
    chunks, i = [], 0
    for size in cuts:
        chunks.append(data[i : i + size])
        i += size
    chunks.append(data[i:])
    lines = frame(*chunks, max_line=40)
    whole = frame(data, max_line=40)
    assert lines == whole
    assert b"".join(line for line, _ in lines) == data.replace(b"\r", b"").replace(b"\n", b"")
    assert all(0 < len(line) <= 40 for line, _ in lines)
    assert all(b"\r" not in line and b"\n" not in line for line, _ in lines)


class ByteSearch(LineFramer):
    """The framer with only its general route (no whole chunk taken in one split)."""

    __slots__ = ()
    whole_lines_at_once = False


def byte_search(*chunks: bytes, max_line: int = MAX_LINE) -> list[tuple[bytes, str | None]]:
    return frame(*chunks, max_line=max_line, kind=ByteSearch)


TERMINATORS = st.sampled_from([b"\r\n", b"\n", b"\r", b"\r\r\n", b"\n\n", b""])
TEXT = st.binary(max_size=300).map(lambda b: b.replace(b"$", b"").replace(b"\r", b""))
LINE = st.one_of(st.just(GGA), TEXT, TEXT.map(lambda b: b"$" + b), TEXT.map(lambda b: b"$$" + b))


@given(
    st.lists(st.tuples(LINE, TERMINATORS), max_size=40),
    st.lists(st.integers(1, 400), max_size=12),
    st.sampled_from([8, 40, MAX_LINE]),
)
def test_a_whole_chunk_split_at_once_gives_the_lines_the_byte_search_gives(
    lines: list[tuple[bytes, bytes]], cuts: list[int], max_line: int
) -> None:
    data = b"".join(line + end for line, end in lines)
    chunks, i = [], 0
    for size in cuts:
        chunks.append(data[i : i + size])
        i += size
    chunks.append(data[i:])
    assert frame(*chunks, max_line=max_line) == byte_search(*chunks, max_line=max_line)


@pytest.mark.parametrize("log", sorted(SAMPLE_LOGS.glob("*.log")), ids=lambda p: p.name)
def test_every_sample_log_is_framed_the_same_either_way(log: Path) -> None:
    data = log.read_bytes()
    for size in (7, 4096, len(data)):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        lines = frame(*chunks)
        assert lines == byte_search(*chunks)
        assert len(lines) > 100
