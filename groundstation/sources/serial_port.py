"""Reading serial ports (and any pyserial URL), reopening them with backoff when they vanish.

A USB radio that is unplugged makes reads fail; :class:`PortReader` says so (a ``lost`` event),
then tries to reopen the same device path or URL with a growing delay (capped at
``max_backoff`` seconds, so a replugged radio is back within about a second) until it is there
again (``open`` event) or the reader is stopped. It never gives up on a transient error.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import serial
from serial.tools import list_ports

from groundstation.models import SourceEvent

log = logging.getLogger(__name__)

OnBytes = Callable[[bytes, datetime], None]
OnEvent = Callable[[SourceEvent], None]


def port_key(port: str) -> str:
    return f"serial:{port}"


class PortReader:
    """A thread that reads one port until stopped, reconnecting as needed."""

    def __init__(
        self,
        port: str,
        on_bytes: OnBytes,
        on_event: OnEvent,
        *,
        baud: int = 9600,
        min_backoff: float = 0.1,
        max_backoff: float = 1.0,
    ) -> None:
        self.port = port
        self.key = port_key(port)
        self.baud = baud
        self._on_bytes = on_bytes
        self._on_event = on_event
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._stop = threading.Event()
        self.state = "closed"
        self.reconnects = 0
        self._thread = threading.Thread(target=self._run, name=f"port {port}", daemon=True)

    def start(self) -> PortReader:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _event(self, state: str, detail: str = "") -> None:
        self.state = state
        self._on_event(
            SourceEvent(self.key, self.port, datetime.now(UTC), state, detail)  # type: ignore[arg-type]
        )

    def _open(self) -> serial.SerialBase | None:
        try:
            return serial.serial_for_url(self.port, baudrate=self.baud, timeout=0.05)
        except (serial.SerialException, OSError, ValueError) as exc:
            log.debug("cannot open %s: %s", self.port, exc)
            return None

    def _run(self) -> None:
        backoff = self._min_backoff
        lost_reported = False
        while not self._stop.is_set():
            port = self._open()
            if port is None:
                if not lost_reported:
                    self._event("retrying", "cannot open the port; retrying")
                    lost_reported = True
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            if lost_reported and self.state != "closed":
                self.reconnects += 1
            self._event("open")
            lost_reported = False
            backoff = self._min_backoff
            try:
                self._read(port)
            except (serial.SerialException, OSError) as exc:
                self._event("lost", _describe(exc))
                lost_reported = True
            finally:
                with contextlib.suppress(serial.SerialException, OSError):
                    port.close()
        self._event("closed")

    def _read(self, port: serial.SerialBase) -> None:
        on_bytes = self._on_bytes
        while not self._stop.is_set():
            waiting = port.in_waiting
            data = port.read(waiting or 1)
            if data:
                try:
                    on_bytes(data, datetime.now(UTC))
                except Exception:  # a bug downstream must not silently stop the port
                    log.exception("failed to handle bytes from %s", self.port)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if "readiness to read but returned no data" in text or "Input/output error" in text:
        return "the device went away"
    return text.splitlines()[0][:120] if text else type(exc).__name__


def list_serial_ports() -> list[dict[str, str | None]]:
    """Serial ports on this machine, with what identifies a USB radio."""
    ports = []
    for p in sorted(list_ports.comports(), key=lambda p: p.device):
        vid_pid = f"{p.vid:04X}:{p.pid:04X}" if p.vid is not None and p.pid is not None else None
        ports.append(
            {
                "device": p.device,
                "vid_pid": vid_pid,
                "serial_number": p.serial_number,
                "description": p.description if p.description != "n/a" else None,
                "manufacturer": p.manufacturer,
            }
        )
    return ports
