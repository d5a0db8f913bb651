"""The decoding process of a bulk import: started, widened and ended here, where starting it
needs nothing but the standard library, so a command can start it before its own imports.

What the process runs is :func:`groundstation.ingest.decode_worker`.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

WORKER_MIN_BYTES = 4 << 20
"""A file at least this big is decoded in a second process while this one writes (two cores
at work); starting that process costs more than it saves on a smaller file."""

_WORKER_MAIN = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "if {here!r} not in sys.path: sys.path.insert(0, {here!r})\n"
    "from groundstation.ingest import decode_worker; decode_worker()"
)

PIPE_BYTES = 1 << 20
"""The pipe from the decoding process holds this much where the system allows (Linux): a
chunk's rows (~0.5 MB pickled) then fit whole, and the worker goes on decoding while this
process takes them in. In the default 64 kB it waited for every read (measured: ~0.5 s of a
1M-line import's 8 s)."""


def big_enough(path: Path) -> bool:
    """The file is worth a decoding process of its own (0 bytes when it cannot be read: reading
    it then says why)."""
    try:
        return path.is_file() and path.stat().st_size >= WORKER_MIN_BYTES
    except OSError:
        return False


def start() -> subprocess.Popen[bytes]:
    """A decoding process (:func:`groundstation.ingest.decode_worker`), waiting for its job on
    stdin. It ignores Ctrl-C from its first statement, before its imports: the importing
    process decides when to stop it. (Other signals to the terminal's process group end it as
    they end this one.)

    It runs the code this process runs: the folder this package was imported from is on its
    path (first, unless it is there already, as site-packages is), and the current folder is
    not (``-P``): it may hold another ``groundstation``."""
    here = str(Path(__file__).resolve().parent.parent)
    command = [sys.executable, "-P", "-c", _WORKER_MAIN.format(here=here)]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    _widen_pipe(proc.stdout.fileno())
    return proc


def _widen_pipe(fd: int) -> None:
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):  # not Linux, or over its limit: as it is
        pass


def end(proc: subprocess.Popen[bytes]) -> None:
    """Kill the decoding process unless it ended, reap it and close its pipes (again: no
    harm)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):  # (the job left unsent to a process now gone)
                pipe.close()
