"""Log files and stdin as byte sources.

A file is identified by the SHA-256 of its content, so importing the same log twice (under any
name) is recognised, and an import that was killed half-way continues where it stopped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 18


class SourceError(Exception):
    """A source cannot be read; the message is meant for the user."""


def file_key(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while block := fh.read(CHUNK):
                digest.update(block)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return f"file:sha256:{digest.hexdigest()}"


def read_chunks(path: Path, chunk: int = CHUNK) -> Iterator[bytes]:
    try:
        with path.open("rb") as fh:
            while block := fh.read(chunk):
                yield block
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc


def spool_stdin(stream: BinaryIO | None = None) -> Path:
    """Copy standard input to a temporary file (so it can be hashed and counted)."""
    src = stream if stream is not None else sys.stdin.buffer
    fd, name = tempfile.mkstemp(prefix="groundstation-stdin-", suffix=".log")
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(src, out, CHUNK)
    return Path(name)
