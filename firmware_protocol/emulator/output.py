"""Where the emulator's bytes go in real time: pacing, and a virtual serial port (a pty).

This is the emulator's only I/O: `groundstation simulate --pty` and `groundstation demo` use it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import termios
import time
import tty
from collections.abc import Iterator

logger = logging.getLogger(__name__)

PTY_WRITE_WAIT_S = 0.5
"""How long a write waits for a reader to drain the terminal before old bytes are dropped."""


class PtyWriter:
    """The master side of a pseudo-terminal; the slave stays open so writes never fail.

    Writes are non-blocking. When nobody reads and the terminal's buffer is full, the unread
    (stale) bytes are discarded so a reader that attaches later gets current data.
    """

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # bytes pass untouched: no echo, no CR/LF translation
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            _, writable, _ = select.select([], [self.master], [], PTY_WRITE_WAIT_S)
            if not writable:
                termios.tcflush(self.slave, termios.TCIFLUSH)
            try:
                written = os.write(self.master, view)
            except BlockingIOError:
                termios.tcflush(self.slave, termios.TCIFLUSH)
                continue
            except OSError as exc:  # the terminal is gone: nothing more can be delivered
                logger.warning("pty write failed: %s", exc)
                return
            view = view[written:]

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


def paced(chunks: Iterator[tuple[float, bytes]], speed: float) -> Iterator[bytes]:
    """Release each chunk at its emulated time divided by ``speed`` (0: no waiting)."""
    started = time.monotonic()
    for emulated, data in chunks:
        if speed > 0:
            delay = started + emulated / speed - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        yield data
