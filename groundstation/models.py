"""Typed records that flow from decoding to storage and to the live views.

Every record is a dataclass that is frozen for the type checker (mypy rejects any assignment to
a field) but a plain slotted class at run time: a frozen dataclass sets each field through
``object.__setattr__``, which made building records a fifth of the cost of decoding a line. They
hash by value as frozen ones do. A value that was not received is ``None``, never ``0.0``,
``-99`` or ``""``. Times are timezone-aware UTC ``datetime`` objects.

The flow is::

    RawLine  --decode-->  Decoded(status, reason, records=[Fix | Telemetry | LinkQuality | Station])

Every ``RawLine`` ends up stored, with ``status`` ``"ok"`` or ``"rejected"`` and a reason for a
rejection, whatever it held.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import encode_basestring_ascii as _json_string
from typing import Literal, TypeVar, dataclass_transform

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[_T]) -> type[_T]:
    """``@dataclass(frozen=True, slots=True)`` for the type checker; see the module's notes."""
    make: Callable[[type[_T]], type[_T]] = dataclass(slots=True, unsafe_hash=True)
    return make(cls)


Status = Literal["ok", "rejected"]


@record
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


@record
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


@record
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


_EXTRA_JSON: dict[tuple[tuple[str, str], ...], str] = {}


def extra_json(extra: dict[str, str]) -> str:
    """How the telemetry table stores a :class:`Telemetry`'s ``extra`` fields: JSON, keys
    sorted (remembered: a flight sends few distinct ones). The decoders that make rows
    without records and the store both write it so."""
    key = tuple(extra.items())
    text = _EXTRA_JSON.get(key)
    if text is None:
        # json.dumps(extra, sort_keys=True), each string through json's own encoder, without
        # the set-up json.dumps does per call: 3.6x as fast, and a tracker whose extras change
        # every few packets (an uptime, say) makes a new text that often.
        try:
            pairs = [f"{_json_string(k)}: {_json_string(v)}" for k, v in sorted(key)]
            text = f"{{{', '.join(pairs)}}}"
        except TypeError:  # (a value that is not a string: json says how)
            text = json.dumps(extra, sort_keys=True)
        if len(_EXTRA_JSON) > 4096:
            _EXTRA_JSON.clear()
        _EXTRA_JSON[key] = text
    return text


@record
class LinkQuality:
    """What the receiver says about the radio link for one packet, plus packet integrity."""

    tracker: str
    seq: int | None
    rssi_dbm: float | None = None
    snr_db: float | None = None
    freq_error_hz: float | None = None
    crc_ok: bool | None = None
    lost_before: int = 0


@record
class IntactPacket:
    """A packet whose lines all decoded ``ok`` as the tracker's, read whole
    (:meth:`~groundstation.decoding.packets.PacketAssembler.intact`): its lines' ``texts``;
    the header's telemetry (``when``, ``seq``, ``measured``: battery, internal and external
    temperature, pressure; ``extras`` as the JSON text the telemetry table stores, None when
    there are none); one of ``fixes`` for each line between; and the end
    line's link record (CRC good, ``lost`` packets before it). Plain values, not
    :class:`Telemetry` and :class:`LinkQuality`: a bulk import makes one for each packet, and
    goes straight to rows."""

    tracker: str
    texts: list[str]
    when: datetime
    seq: int
    measured: tuple[float | None, float | None, float | None, float | None]
    extras: str | None
    fixes: list[Fix]
    lost: int


@record
class StationFix:
    """A position of the ground station itself (its own GPS; a chase car moves)."""

    time: datetime
    lat: float
    lon: float
    alt_m: float | None = None


Record = Fix | Telemetry | LinkQuality | StationFix


@record
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


@record
class SourceEvent:
    """A change in a source's state: a port opened, vanished, came back, or a file ended."""

    source: str
    name: str
    time: datetime
    state: Literal["open", "lost", "retrying", "closed", "error"]
    detail: str = ""
