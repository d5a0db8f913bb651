"""Fuzzing framing, decoding and storage together with Hypothesis.

Protections checked (each example goes bytes -> LineIngest -> Store -> a real SQLite file):

- the framer never drops, duplicates or reorders a byte: the stored texts, in line order, are
  exactly the lines a simple one-shot reference framer cuts from the same bytes, however the
  bytes were chunked (so chunk boundaries change nothing);
- every framed line is exactly one ``raw_lines`` row (line numbers 1..N, no gaps), ``ok`` with no
  reason or ``rejected`` with a non-empty one;
- the decoder never raises and never falls back to its catch-all ("decoder error"): that would
  be a bug of ours hidden as a rejection;
- the stored text is Latin-1 of the exact bytes (``text.encode('latin-1')`` gives them back);
- a fix is only stored from an ``ok`` line.

Inputs: arbitrary bytes, and real sentences (the gpsd captures in ``../shared/corpus`` and our
sample logs) mutated the way radio links damage them: bits flipped, bytes inserted or deleted,
lines spliced, NUL/CR/LF/``$`` inserted, lines cut off, our own packets with bad CRCs.

Atheris was considered and left out: it needs a clang/libFuzzer build of the interpreter
extension, and a coverage-guided run that fits a CI budget finds little that these structured
mutations of real input do not; the Hypothesis database keeps any failing example for replay.
"""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relhelpers import REPO, SAMPLE_LOGS

from groundstation.pipeline import LineIngest
from groundstation.store.database import Store

MAX_LINE = 256
"""The framer's cap (README: longer lines are handed on in capped pieces); not imported, so a
changed cap fails here."""
RECEIVED = datetime(2024, 6, 1, 10, 0, 5, tzinfo=UTC)
_example = itertools.count()


def reference_framing(data: bytes) -> list[tuple[bytes, bool]]:
    """What the framer promises, computed the simple way over the whole input at once:
    ``(line, too_long)`` pairs."""
    out: list[tuple[bytes, bool]] = []
    for line in re.split(rb"[\r\n]+", data):
        # a new line starts at every '$' that follows another byte, except within a '$' run
        for piece in re.split(rb"(?<=[^$])(?=\$)", line):
            long = len(piece) > MAX_LINE
            out += [(piece[i : i + MAX_LINE], long) for i in range(0, len(piece), MAX_LINE)]
    return out


def reference_lines(data: bytes) -> list[bytes]:
    return [line for line, _ in reference_framing(data)]


def _real_lines(corpus: Path) -> list[bytes]:
    lines: list[bytes] = []
    files = sorted((corpus / "gpsd").glob("*.log")) + sorted(SAMPLE_LOGS.glob("*.log"))
    for path in files:
        # a few lines from each capture keeps every receiver's dialect in the pool
        lines += [ln for ln in path.read_bytes().splitlines() if ln][:40]
    return lines


CORPUS = Path(os.environ.get("GROUNDSTATION_CORPUS", REPO.parent / "shared" / "corpus"))
POOL = _real_lines(CORPUS)
"""Real sentences to damage (the strategies need them when the module loads; the ``corpus``
fixture makes a missing corpus fail in CI and skip elsewhere)."""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = Store(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    yield s
    s.close()


SPECIAL = st.sampled_from([b"\x00", b"\r", b"\n", b"\r\n", b"$", b"$$", b"*", b",", b"\xff"])


@st.composite
def mutated(draw: st.DrawFn, pool: list[bytes]) -> bytes:
    """A real line damaged the way a radio link damages it."""
    line = bytearray(draw(st.sampled_from(pool)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "special", "splice", "cut"]))
        at = draw(st.integers(0, len(line)))
        if op == "flip" and line:
            i = min(at, len(line) - 1)
            line[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            line[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif op == "delete" and line:
            del line[at : at + draw(st.integers(1, 8))]
        elif op == "special":
            line[at:at] = draw(SPECIAL)
        elif op == "splice":
            other = draw(st.sampled_from(pool))
            line[at:] = other[draw(st.integers(0, len(other))) :]
        elif op == "cut":
            del line[at:]
    return bytes(line)


def stream(pool: list[bytes]) -> st.SearchStrategy[bytes]:
    piece = st.one_of(
        mutated(pool),
        st.sampled_from(pool),  # intact lines keep the decoder's state (dates, packets) busy
        st.binary(max_size=300),
        SPECIAL,
        st.binary(min_size=MAX_LINE - 2, max_size=3 * MAX_LINE).map(
            lambda b: b.replace(b"\n", b"")
        ),
    )
    ending = st.sampled_from([b"\r\n", b"\n", b"\r", b"", b"\n\n"])
    return st.lists(st.tuples(piece, ending), max_size=40).map(
        lambda parts: b"".join(p + e for p, e in parts)
    )


@st.composite
def chunked(draw: st.DrawFn, data: st.SearchStrategy[bytes]) -> tuple[bytes, list[int]]:
    """Bytes, and where to cut them into the chunks a port or a file read delivers."""
    raw = draw(data)
    return raw, sorted(draw(st.lists(st.integers(0, len(raw)), max_size=12)))


def ingest_and_store(store: Store, data: bytes, splits: list[int], live: bool) -> str:
    """Feed ``data`` in the chunks ``splits`` gives, store every decoded line; return its key."""
    key = f"fuzz:{next(_example)}"
    store.register_source(key, key, "serial" if live else "file")
    ingest = LineIngest(key, "fuzz", live_clock=live)
    decoded = []
    for a, b in itertools.pairwise([0, *splits, len(data)]):
        decoded += ingest.feed(data[a:b], RECEIVED)
    decoded += ingest.finish(RECEIVED)
    store.write(decoded)
    return key


def check_stored(store: Store, key: str, data: bytes) -> None:
    (sid,) = store.conn.execute("SELECT id FROM sources WHERE key = ?", (key,)).fetchone()
    got = store.conn.execute(
        "SELECT line_no, text, status, reason FROM raw_lines WHERE source_id = ? ORDER BY line_no",
        (sid,),
    ).fetchall()
    expected = reference_framing(data)
    assert [r[0] for r in got] == list(range(1, len(got) + 1)), "line numbers with gaps"
    assert [r[1].encode("latin-1") for r in got] == [line for line, _ in expected]
    for (line_no, _text, status, reason), (_, too_long) in zip(got, expected, strict=True):
        if too_long:  # a capped piece of an over-long line is never decoded as a sentence
            assert (status, reason) == ("rejected", "line too long"), (line_no, _text)
        assert status in ("ok", "rejected"), (line_no, status)
        if status == "rejected":
            assert reason, f"line {line_no} rejected without a reason"
            assert not reason.startswith("decoder error"), f"the decoder crashed on {_text!r}"
        else:
            assert reason is None, (line_no, reason)
    bad = store.conn.execute(
        "SELECT count(*) FROM fixes f JOIN raw_lines r ON r.id = f.raw_line_id"
        " WHERE r.source_id = ? AND r.status != 'ok'",
        (sid,),
    ).fetchone()[0]
    assert bad == 0, "a fix was stored from a rejected line"


FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(case=chunked(st.binary(max_size=2000)), live=st.booleans())
def test_arbitrary_bytes_in_arbitrary_chunks_are_each_stored_once(
    store: Store, case: tuple[bytes, list[int]], live: bool
) -> None:
    raw, splits = case
    check_stored(store, ingest_and_store(store, raw, splits, live), raw)


@FUZZ
@given(case=chunked(stream(POOL)), live=st.booleans())
def test_damaged_real_sentences_are_each_stored_once_with_a_reason(
    corpus: Path, store: Store, case: tuple[bytes, list[int]], live: bool
) -> None:
    raw, splits = case
    check_stored(store, ingest_and_store(store, raw, splits, live), raw)


def test_the_fuzz_database_is_sound(store: Store) -> None:
    """After all examples, the shared database file is intact."""
    assert store.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert isinstance(store.conn, sqlite3.Connection)


def test_the_reference_framer_agrees_on_known_cases() -> None:
    """The oracle itself, on the cases the framing module documents."""
    assert reference_lines(b"$GPGGA,1*00\r\n\r\n$GPR$GPRMC*11\n$$UK*1234\rabc") == [
        b"$GPGGA,1*00", b"$GPR", b"$GPRMC*11", b"$$UK*1234", b"abc",
    ]  # fmt: skip
    assert [len(p) for p in reference_lines(b"x" * 600)] == [MAX_LINE, MAX_LINE, 600 - 2 * MAX_LINE]
