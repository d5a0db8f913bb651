"""Cutting a byte stream from a radio into lines.

Real links deliver CR, LF or CRLF endings, NUL bytes, binary protocol frames mixed into the text,
sentences cut off and glued to the next, and lines that never end. The framer:

- ends a line at CR or LF (empty lines carry nothing and are dropped);
- starts a new line at every ``$`` that follows other bytes, so a truncated sentence glued to the
  next one becomes two lines (the fragment is rejected later, the whole sentence decodes); a run
  of ``$`` at the start of a line stays with it (``$$`` is UKHAS, or a doubled NMEA start);
- never buffers more than ``max_line`` bytes: a longer run is handed on in ``max_line`` chunks,
  each marked with a framing error, so memory stays bounded and no byte is dropped;
- hands on a partial last line when the stream ends (:meth:`LineFramer.flush`): a sentence
  that stops before its checksum (a port closed, a log cut short) is marked as cut off, so it is
  rejected as that rather than for the checksum it never got to.

Every byte that arrives leaves in exactly one line, apart from the CR/LF terminators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_LINE = 256
"""Longest line kept whole, in bytes. NMEA allows 82 characters; our own proprietary sentences and
UKHAS telemetry can be longer, so the cap is generous but finite."""

TOO_LONG = "line too long"
CUT_OFF = "cut off: the data ended mid-line"
_SEALED = re.compile(rb"\*[0-9A-Fa-f]{2}(?:[0-9A-Fa-f]{2})?+\s*+\Z")
"""How a sentence ends: ``*`` and its checksum (two hex digits, or four for UKHAS), then at most
blanks."""


class LineFramer:
    """Incremental framer: feed it chunks, get back ``(line, framing_error)`` pairs."""

    __slots__ = ("_buf", "_max", "_overflowing")
    whole_lines_at_once = True
    """Take the usual chunk (every ``$`` starts a line) in one ``splitlines``; the general
    route below gives the same lines, a byte search at a time (tests compare the two)."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        if max_line < 8:
            raise ValueError("max_line must be at least 8 bytes")
        self._buf = bytearray()
        self._max = max_line
        self._overflowing = False

    def feed(self, chunk: bytes) -> list[tuple[bytes, str | None]]:
        """Add bytes; return the lines they complete."""
        out: list[tuple[bytes, str | None]] = []
        buf = self._buf
        buf += chunk
        data = bytes(buf)
        if (
            self.whole_lines_at_once
            and not self._overflowing
            and data.count(b"$") == data.count(b"\n$") + data.count(b"\r$") + data.startswith(b"$")
        ):
            # Every '$' starts a line, so lines are what lies between terminators
            # (bytes.splitlines ends lines at CR, LF and CRLF, nothing else).
            pieces = data.splitlines()
            rest = b"" if data.endswith((b"\r", b"\n")) or not pieces else pieces.pop()
            if not pieces or max(map(len, pieces)) <= self._max:
                self._buf = bytearray()
                out = [(piece, None) for piece in pieces if piece]
                if rest:
                    self._hold(rest, out)
                return out
        # Otherwise split on terminators first, then deal with stray '$' inside each piece.
        start = 0
        n = len(buf)
        while True:
            cr = buf.find(b"\r", start)
            lf = buf.find(b"\n", start)
            if cr < 0 and lf < 0:
                break
            end = lf if cr < 0 else cr if lf < 0 else min(cr, lf)
            if end > start:
                self._emit(bytes(buf[start:end]), out, complete=True)
            else:
                self._overflowing = False
            start = end + 1
        tail = bytes(buf[start:n])
        self._buf = bytearray()
        if tail:
            self._hold(tail, out)
        return out

    def drain(self) -> bytes | None:
        """Take back the unterminated bytes held since the last chunk (the framer is then as
        new), so a reader can look at them with the next chunk first; None, with nothing
        taken, while an over-long line goes on (its rest must come through :meth:`feed`)."""
        if self._overflowing:
            return None
        held = bytes(self._buf)
        self._buf = bytearray()
        return held

    def flush(self) -> list[tuple[bytes, str | None]]:
        """End of stream: hand on whatever partial line is held. A sentence (``$`` or ``!``
        first) that does not end with its checksum was cut off (:data:`CUT_OFF`); any other
        line, a whole sentence among them, goes on as a line."""
        out: list[tuple[bytes, str | None]] = []
        held = bytes(self._buf)
        self._buf = bytearray()
        if held and not self._overflowing and held[:1] in b"$!" and not _SEALED.search(held):
            out.append((held, CUT_OFF))
        elif held:
            self._emit(held, out, complete=True)
        self._overflowing = False
        return out

    def _hold(self, rest: bytes, out: list[tuple[bytes, str | None]]) -> None:
        """Keep an unterminated tail, handing on complete pieces before a later '$'."""
        pieces = list(_split_dollars(rest))
        for piece in pieces[:-1]:
            self._emit_piece(piece, out)
        tail = pieces[-1]
        while len(tail) > self._max:
            out.append((tail[: self._max], TOO_LONG))
            tail = tail[self._max :]
            self._overflowing = True
        self._buf = bytearray(tail)

    def _emit(self, line: bytes, out: list[tuple[bytes, str | None]], complete: bool) -> None:
        if b"$" in line[1:]:
            for piece in _split_dollars(line):
                self._emit_piece(piece, out)
        else:
            self._emit_piece(line, out)
        if complete:
            self._overflowing = False

    def _emit_piece(self, piece: bytes, out: list[tuple[bytes, str | None]]) -> None:
        # The continuation of a line that overflowed is still part of an over-long line.
        err = TOO_LONG if self._overflowing else None
        self._overflowing = False
        while len(piece) > self._max:
            out.append((piece[: self._max], TOO_LONG))
            piece = piece[self._max :]
            err = TOO_LONG
        out.append((piece, err))


def _split_dollars(data: bytes) -> Iterator[bytes]:
    """Split before every '$' that follows a byte other than '$' (keeps '$$' starts whole)."""
    start = 0
    i = data.find(b"$", 1)
    while i >= 0:
        if data[i - 1] != 0x24:  # not part of a leading run of '$'
            if i > start:
                yield data[start:i]
            start = i
        i = data.find(b"$", i + 1)
    yield data[start:]
