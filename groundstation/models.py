"""Typed records that flow from decoding to storage and to the live views.

Every record is a frozen dataclass. A value that was not received is ``None``, never ``0.0``,
``-99`` or ``""``. Times are timezone-aware UTC ``datetime`` objects.

The flow is::

    RawLine  --decode-->  Decoded(status, reason, records=[Fix | Telemetry | LinkQuality | Station])

Every ``RawLine`` ends up stored, with ``status`` ``"ok"`` or ``"rejected"`` and a reason for a
rejection, whatever it held.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Status = Literal["ok", "rejected"]


@dataclass(frozen=True, slots=True)
class RawLine:
    """One line as the radio delivered it.

    ``data`` holds the exact bytes (without the line ending). ``received_at`` is the UTC time the
    line arrived; for a log file without timestamps it is the time of the import and
    ``live_clock`` is ``False``, so time plausibility checks against it are skipped.
    ``line_no`` counts lines within the source from 1 and is the key that makes re-imports
    idempotent.
    """

    source: str
    line_no: int
    received_at: datetime
    data: bytes
    live_clock: bool = True
    framing_error: str | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    """A position from a tracker's GPS (one epoch; GGA and RMC of the same time merge)."""

    tracker: str
    time: datetime
    lat: float
    lon: float
    alt_m: float | None = None
    speed_mps: float | None = None
    course_deg: float | None = None
    sats: int | None = None
    hdop: float | None = None
    quality: int | None = None
    sentence: str = ""


@dataclass(frozen=True, slots=True)
class Telemetry:
    """A tracker's own housekeeping values from one packet (issue 3 protocol)."""

    tracker: str
    time: datetime | None
    seq: int | None
    battery_v: float | None = None
    temp_int_c: float | None = None
    temp_ext_c: float | None = None
    pressure_hpa: float | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LinkQuality:
    """What the receiver says about the radio link for one packet, plus packet integrity."""

    tracker: str
    seq: int | None
    rssi_dbm: float | None = None
    snr_db: float | None = None
    freq_error_hz: float | None = None
    crc_ok: bool | None = None
    lost_before: int = 0


@dataclass(frozen=True, slots=True)
class StationFix:
    """A position of the ground station itself (its own GPS; a chase car moves)."""

    time: datetime
    lat: float
    lon: float
    alt_m: float | None = None


Record = Fix | Telemetry | LinkQuality | StationFix


@dataclass(frozen=True, slots=True)
class Decoded:
    """The outcome of decoding one raw line."""

    raw: RawLine
    status: Status
    reason: str | None = None
    sentence: str | None = None
    tracker: str | None = None
    records: tuple[Record, ...] = ()

    @property
    def fixes(self) -> tuple[Fix, ...]:
        return tuple(r for r in self.records if isinstance(r, Fix))


@dataclass(frozen=True, slots=True)
class SourceEvent:
    """A change in a source's state: a port opened, vanished, came back, or a file ended."""

    source: str
    name: str
    time: datetime
    state: Literal["open", "lost", "retrying", "closed", "error"]
    detail: str = ""
