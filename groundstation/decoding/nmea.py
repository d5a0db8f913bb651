"""Decoding lines into typed records: strict NMEA through pynmea2.

:class:`StreamDecoder` keeps the little state a stream needs (the date, which GGA lacks; the last
fix per tracker for plausibility checks) and turns each :class:`RawLine` into exactly one
:class:`Decoded`: ``ok`` with its records, or ``rejected`` with a reason. It never raises on input.

pynmea2 validates the frame and the checksum (``check=True``: a sentence without a checksum is
rejected); the fields are then converted here, from ``msg.data``, so "no fix" never turns into
latitude 0.0 and numbers are numbers.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pynmea2

from firmware_protocol import (
    ChecksumError,
    PacketEnd,
    ProtocolError,
    RadioReport,
    SequenceTracker,
    TelemetryHeader,
    decode_ukhas,
)
from groundstation.decoding import fastpath, lean
from groundstation.decoding.fields import (
    KMH_TO_MPS,
    KNOTS_TO_MPS,
    FieldError,
    coordinate,
    ddmmyy,
    opt_float,
    opt_int,
    time_of_day,
    zda_date,
)
from groundstation.decoding.framing import LineFramer
from groundstation.decoding.plausibility import Plausibility
from groundstation.models import (
    Decoded,
    Fix,
    LinkQuality,
    RawLine,
    Record,
    StationFix,
    Telemetry,
)

log = logging.getLogger(__name__)

_BAD_BYTES = re.compile(rb"[^\x20-\x7e]")
_UKHAS_TAIL = re.compile(r"\*[0-9A-Fa-f]{4}$")
_GPS_ERA = timedelta(weeks=1024)
_HALF_DAY = timedelta(hours=12)
_ERA_START = date(1999, 8, 22)
"""Dates before this come from a receiver whose 10-bit GPS week counter rolled over."""

POSITION_TYPES = frozenset({"GGA", "RMC", "GNS", "GLL"})


class Reject(Exception):
    """Internal: a line is rejected for the given reason."""


@dataclass(slots=True)
class _Clock:
    """What a tracker's stream has told us about the date."""

    last: datetime | None = None
    dated: bool = False


_SteadyFix = tuple[str, datetime, lean.Position]
"""A tracker's latest fix as a steady packet left it (:meth:`StreamDecoder.steady_packet`): its
callsign, time and RMC, made into the :class:`Fix` only when a VTG line asks for it (nearly
never, and making one for every packet cost a bulk import ~1% of its decoding time)."""


def _fix_of(last: Fix | _SteadyFix) -> Fix:
    if isinstance(last, Fix):
        return last
    callsign, when, rmc = last
    return Fix(
        callsign, when, rmc[3], rmc[4], rmc[5], rmc[6], rmc[7], rmc[8], rmc[9], rmc[10], rmc[0]
    )


@dataclass(frozen=True, slots=True)
class Checkpoint:
    clocks: dict[str, _Clock]
    source_last: datetime | None
    last_fix: dict[str, Fix | _SteadyFix]
    plausible: Plausibility | None


class StreamDecoder:
    """Decodes the lines of one source in order. Not thread-safe; one per source."""

    def __init__(
        self, default_tracker: str, *, check_plausibility: bool = True, station: bool = False
    ) -> None:
        self.default_tracker = default_tracker
        self.station = station
        """The ground station's own GPS: positions become StationFix records."""
        self.current_tracker = default_tracker
        """Whose sentences these are: the callsign of an open packet, else the default."""
        self.sequences = SequenceTracker()
        self.lost_before: dict[str, int] = {}
        """Packets found missing just before each callsign's latest packet."""
        self._clocks: dict[str, _Clock] = {}
        self._source_clock = _Clock()
        """The latest dated time from any tracker on this source: they share one real time."""
        self._plausible = Plausibility() if check_plausibility else None
        self._last_fix: dict[str, Fix | _SteadyFix] = {}

    # -- entry point -------------------------------------------------------------------------
    def decode(self, raw: RawLine, xor: int | None = None) -> Decoded:
        """``xor``: the line's body checksum if worked out already (fastpath.body_checksums)."""
        try:
            return self._decode(raw, xor)
        except (Reject, FieldError) as exc:
            return Decoded(raw, "rejected", str(exc), tracker=self.current_tracker)
        except Exception:  # a bug of ours must not lose the line or stop the stream
            log.exception("decoder failed on line %d of %s", raw.line_no, raw.source)
            return Decoded(raw, "rejected", "decoder error (see log)", tracker=self.current_tracker)

    def _decode(self, raw: RawLine, xor: int | None) -> Decoded:
        if raw.framing_error:
            raise Reject(raw.framing_error)
        data = raw.data
        bad = _BAD_BYTES.search(data)
        if bad is not None:
            if b"\x00" in data:
                raise Reject("NUL bytes in line")
            raise Reject("non-ASCII or control bytes in line")
        if not data.startswith(b"$"):
            if data.startswith(b"#"):
                raise Reject("comment line")
            if data.startswith(b"!"):
                raise Reject("AIS or other encapsulated sentence, not decoded")
            raise Reject("not an NMEA sentence")
        text = data.decode("ascii")
        if text.startswith("$$"):
            if _UKHAS_TAIL.search(text):
                return self._ukhas(raw, text)
            text = "$" + text.lstrip("$")
            xor = None  # the hint was for the line as received
        if text.startswith("$PHAB"):
            return self._proprietary(raw, text, xor)
        return self._decode_nmea(raw, text, xor)

    # -- our protocol and UKHAS ---------------------------------------------------------------
    def _proprietary(self, raw: RawLine, text: str, xor: int | None = None) -> Decoded:
        try:
            rec = fastpath.proprietary(text, xor)
        except ChecksumError:
            raise Reject("bad checksum") from None
        except ProtocolError as exc:
            raise Reject(str(exc)) from None
        name = text[1:6]
        if isinstance(rec, TelemetryHeader):
            callsign = rec.callsign
            self.current_tracker = callsign
            when = None
            if rec.time is not None:
                clock = self._clocks.setdefault(callsign, _Clock())
                when = self._when(clock, raw, rec.time, None)
            telemetry = Telemetry(
                callsign, when, rec.seq, rec.battery_v, rec.temp_int_c, rec.temp_ext_c,
                rec.pressure_hpa, dict(rec.extras),
            )  # fmt: skip
            return Decoded(raw, "ok", None, name, callsign, (telemetry,))
        if isinstance(rec, PacketEnd):
            return Decoded(raw, "ok", None, name, rec.callsign)
        assert isinstance(rec, RadioReport)
        link = LinkQuality(
            rec.callsign, rec.seq, rec.rssi_dbm, rec.snr_db,
            None if rec.freq_error_hz is None else float(rec.freq_error_hz),
        )  # fmt: skip
        return Decoded(raw, "ok", None, name, rec.callsign, (link,))

    def _ukhas(self, raw: RawLine, text: str) -> Decoded:
        try:
            s = decode_ukhas(text)
        except ChecksumError:
            raise Reject("bad CRC16") from None
        except ProtocolError as exc:
            raise Reject(str(exc)) from None
        tracker = s.callsign
        lost = max(0, self.sequences.observe(tracker, s.sentence_id % 65536).lost)
        records: list[Record] = [LinkQuality(tracker, s.sentence_id, crc_ok=True, lost_before=lost)]
        if s.extras:
            extra = {f"field{i}": v for i, v in enumerate(s.extras, start=7)}
            records.append(Telemetry(tracker, None, s.sentence_id, extra=extra))
        if s.lat is not None and s.lon is not None and s.time is not None:
            clock = self._clocks.setdefault(tracker, _Clock())
            when = self._when(clock, raw, s.time, None)
            self._check_plausible(tracker, when, s.lat, s.lon, s.alt_m, raw)
            records.insert(0, Fix(tracker, when, s.lat, s.lon, s.alt_m, sentence="UKHAS"))
        return Decoded(raw, "ok", None, "UKHAS", tracker, tuple(records))

    # -- NMEA --------------------------------------------------------------------------------
    def _decode_nmea(self, raw: RawLine, text: str, xor: int | None = None) -> Decoded:
        plain = fastpath.split_talker(text, xor)
        if plain is not None:  # what pynmea2 would give, without asking it
            talker, kind, fields = plain
            name = talker + kind
            tracker = self.current_tracker
            if kind in POSITION_TYPES or kind in ("VTG", "ZDA"):
                return Decoded(
                    raw, "ok", None, name, tracker,
                    self._position(raw, tracker, kind, fields, name),
                )  # fmt: skip
            return Decoded(raw, "ok", None, name, tracker)
        star = text.rfind("*")
        if star < 0 or star + 3 != len(text.rstrip()):
            raise Reject("no checksum" if star < 0 else "malformed checksum")
        try:
            msg = pynmea2.parse(text, check=True)
        except pynmea2.ChecksumError as exc:
            raise Reject(_checksum_reason(exc)) from None
        except pynmea2.SentenceTypeError:
            raise Reject(f"unknown sentence type {_head(text)}") from None
        except pynmea2.ParseError:
            raise Reject("unparseable sentence") from None
        except (ValueError, TypeError, AttributeError, IndexError):
            raise Reject("unparseable sentence") from None
        kind = getattr(msg, "sentence_type", None) or type(msg).__name__
        name = f"{getattr(msg, 'talker', '')}{kind}"
        tracker = self.current_tracker
        records: tuple[Record, ...] = ()
        if kind in POSITION_TYPES or kind in ("VTG", "ZDA"):
            records = self._position(raw, tracker, kind, msg.data, name)
        return Decoded(raw, "ok", None, name, tracker, records)

    def _position(
        self, raw: RawLine, tracker: str, kind: str, f: list[str], name: str
    ) -> tuple[Record, ...]:
        f = f + [""] * (12 - len(f)) if len(f) < 12 else f
        clock = self._clocks.setdefault(tracker, _Clock())
        if kind == "ZDA":
            tod = time_of_day(f[0])
            zda_day = zda_date(f[1], f[2], f[3])
            if tod is not None and zda_day is not None:
                clock.last = _utc(self._era(zda_day, raw), tod)
                clock.dated = True
                self._source_clock.last = clock.last
            return ()
        if kind == "VTG":
            return self._vtg(tracker, f, name)

        speed = course = sats = hdop = alt = quality = None
        day: date | None = None
        if kind == "GGA":
            tod = time_of_day(f[0])
            lat, lon = coordinate(f[1], f[2], True), coordinate(f[3], f[4], False)
            quality = opt_int(f[5], "fix quality")
            if quality == 0:
                raise Reject("no fix (GGA quality 0)")
            sats = opt_int(f[6], "satellites")
            hdop = opt_float(f[7], "HDOP")
            alt = opt_float(f[8], "altitude")
            if alt is not None and f[9] not in ("M", ""):
                raise Reject(f"altitude unit {f[9][:5]!r} is not metres")
        elif kind == "RMC":
            tod = time_of_day(f[0])
            if f[1] != "A":
                raise Reject(f"invalid fix (RMC status {f[1][:3] or 'empty'})")
            if f[11][:1] == "N":
                raise Reject("invalid fix (RMC mode N)")
            lat, lon = coordinate(f[2], f[3], True), coordinate(f[4], f[5], False)
            knots = opt_float(f[6], "speed")
            speed = None if knots is None else knots * KNOTS_TO_MPS
            course = opt_float(f[7], "course")
            try:
                day = ddmmyy(f[8])
            except FieldError:
                day = None  # a broken date (e.g. "2208-1" after a week rollover): infer it
        elif kind == "GNS":
            tod = time_of_day(f[0])
            lat, lon = coordinate(f[1], f[2], True), coordinate(f[3], f[4], False)
            mode = f[5]
            if not mode or set(mode) <= {"N"}:
                raise Reject("no fix (GNS mode N)")
            sats = opt_int(f[6], "satellites")
            hdop = opt_float(f[7], "HDOP")
            alt = opt_float(f[8], "altitude")
        else:  # GLL
            lat, lon = coordinate(f[0], f[1], True), coordinate(f[2], f[3], False)
            tod = time_of_day(f[4])
            if f[5] != "A":
                raise Reject(f"invalid fix (GLL status {f[5][:3] or 'empty'})")
            if f[6][:1] == "N":
                raise Reject("invalid fix (GLL mode N)")
        if lat is None or lon is None:
            raise Reject("no position")
        if tod is None:
            raise Reject("no time")
        if speed is not None and speed < 0:
            raise Reject("negative speed")
        if course is not None and not (0.0 <= course <= 360.0):
            raise Reject(f"course out of range: {course:.1f}")
        if sats is not None and not (0 <= sats <= 200):
            raise Reject(f"satellite count out of range: {sats}")
        when = self._when(clock, raw, tod, day)
        self._check_plausible(tracker, when, lat, lon, alt, raw)
        if self.station:
            return (StationFix(when, lat, lon, alt),)
        fix = Fix(tracker, when, lat, lon, alt, speed, course, sats, hdop, quality, name)
        self._last_fix[tracker] = fix
        return (fix,)

    def _check_plausible(
        self, tracker: str, when: datetime, lat: float, lon: float, alt: float | None, raw: RawLine
    ) -> None:
        if self._plausible is not None:
            received = raw.received_at if raw.live_clock else None
            reason = self._plausible.check(tracker, when, lat, lon, alt, received)
            if reason is not None:
                raise Reject(reason)

    def _vtg(self, tracker: str, f: list[str], name: str) -> tuple[Record, ...]:
        """VTG has course and speed but no time: it completes the tracker's current epoch."""
        if f[8][:1] == "N":
            raise Reject("invalid fix (VTG mode N)")
        course = opt_float(f[0], "course")
        speed: float | None
        if f[1] in ("T", "") and f[5] in ("N", "") and f[7] in ("K", ""):
            kmh = opt_float(f[6], "speed")
            knots = opt_float(f[4], "speed")
            speed = (
                kmh * KMH_TO_MPS
                if kmh is not None
                else (knots * KNOTS_TO_MPS if knots is not None else None)
            )
        else:  # NMEA 1.x layout: course, magnetic course, knots, km/h
            kmh = opt_float(f[3], "speed")
            speed = None if kmh is None else kmh * KMH_TO_MPS
        found = self._last_fix.get(tracker)
        if found is None or (speed is None and course is None):
            return ()
        last = _fix_of(found)
        if speed is not None and speed < 0:
            raise Reject("negative speed")
        merged = Fix(
            tracker, last.time, last.lat, last.lon, last.alt_m,
            speed if speed is not None else last.speed_mps,
            course if course is not None else last.course_deg,
            last.sats, last.hdop, last.quality, last.sentence,
        )  # fmt: skip
        self._last_fix[tracker] = merged
        return (merged,)

    # -- packets: state that a damaged packet must not leave behind ---------------------------
    def intact_packet(
        self, header: RawLine, callsign: str, tod: time, positions: list[lean.Position]
    ) -> tuple[datetime, list[Fix]] | None:
        """The header time and the fixes of a packet known to be intact (its CRC matched), as
        decoding its lines one by one gives them; None, with nothing changed, when any would be
        rejected. ``positions``: its GGA and RMC lines as :func:`lean.position` reads them;
        ``header``: its first line, or any line received with it (only its receive time and
        clock are read)."""
        plausible = self._plausible
        if self.station or plausible is None or self.current_tracker != self.default_tracker:
            return None
        clocks = self._clocks
        clock = clocks.get(callsign)
        fresh = clock is None
        if clock is None:
            clock = clocks[callsign] = _Clock()
        source = self._source_clock
        last_fix = self._last_fix
        saved = (clock.last, clock.dated, source.last, last_fix.get(callsign),
                 plausible.remembered(callsign))  # fmt: skip
        received = header.received_at if header.live_clock else None
        when = self._when(clock, header, tod, None)
        fixes: list[Fix] = []
        for name, _, at, lat, lon, alt, speed, course, sats, hdop, quality, day in positions:
            # An undated fix at the header's time of day: _when would give the header's time
            # and change nothing (the clock now stands at that time, or later the same day).
            fix_time = when if day is None and at == tod else self._when(clock, header, at, day)
            if plausible.check(callsign, fix_time, lat, lon, alt, received) is not None:
                # That line would be rejected: undo, and let the lines go one by one.
                clock.last, clock.dated, source.last = saved[0], saved[1], saved[2]
                if fresh:
                    del clocks[callsign]
                if saved[3] is None:
                    last_fix.pop(callsign, None)
                else:
                    last_fix[callsign] = saved[3]
                plausible.restore(callsign, saved[4])
                return None
            fix = Fix(callsign, fix_time, lat, lon, alt, speed, course, sats, hdop, quality, name)
            last_fix[callsign] = fix
            fixes.append(fix)
        return when, fixes

    def steady_packet(
        self, callsign: str, tod: time, gga: lean.Position, rmc: lean.Position, seq: int
    ) -> datetime | None:
        """:meth:`intact_packet` and :meth:`observe_sequence` of a packet (not live) whose GGA
        and RMC give one epoch at the header's time and place, the RMC dated, in the steady
        state of a flight: the tracker's clock dated and standing earlier that day, the fix
        plausible, the sequence number next in line. Returns the packet's time, with the
        decoder as those two leave it; None, with nothing changed, for any other packet."""
        plausible = self._plausible
        clock = self._clocks.get(callsign)
        day = rmc[11]
        if (
            plausible is None
            or clock is None
            or clock.last is None
            or not clock.dated
            or day is None
            or day <= _ERA_START
            or day != clock.last.date()
            or gga[2] != tod
            or rmc[2] != tod
            or gga[3] != rmc[3]
            or gga[4] != rmc[4]
            or self.station
            or self.current_tracker != self.default_tracker
        ):
            return None
        when = datetime.combine(day, tod, UTC)  # (_utc, without its call)
        if when < clock.last or when - clock.last > _HALF_DAY:
            return None  # (_when would move the header's time to another day)
        sequences = self.sequences
        if not sequences.is_next(callsign, seq) or not plausible.steady(
            callsign, when, gga[3], gga[4], gga[5]
        ):
            return None
        clock.last = self._source_clock.last = when
        self._last_fix[callsign] = (callsign, when, rmc)
        sequences.advance(callsign, seq)
        self.lost_before[callsign] = 0  # (what observe_sequence sets for the next number)
        return when

    def observe_sequence(self, callsign: str, seq: int) -> None:
        """Count packets lost before this one (called once a packet is trusted)."""
        self.lost_before[callsign] = max(0, self.sequences.observe(callsign, seq).lost)

    def checkpoint(self) -> Checkpoint:
        """What a packet's lines may change; :meth:`rollback` undoes a damaged packet."""
        return Checkpoint(
            {k: _Clock(c.last, c.dated) for k, c in self._clocks.items()},
            self._source_clock.last,
            dict(self._last_fix),
            None if self._plausible is None else self._plausible.copy(),
        )

    def rollback(self, checkpoint: Checkpoint) -> None:
        self._clocks = dict(checkpoint.clocks)
        self._source_clock.last = checkpoint.source_last
        self._last_fix = dict(checkpoint.last_fix)
        if checkpoint.plausible is not None:
            self._plausible = checkpoint.plausible

    # -- time --------------------------------------------------------------------------------
    def _era(self, day: date, raw: RawLine) -> date:
        """Undo a GPS week rollover (the receiver's date is 1024 weeks late)."""
        if raw.live_clock:
            ref = raw.received_at.date()
            while (ref - day) > _GPS_ERA / 2:
                day += _GPS_ERA
            return day
        while day < _ERA_START:
            day += _GPS_ERA
        if day == _ERA_START:
            # 1999-08-22 is the first day of an era: a rolled-over receiver's favourite date
            day += _GPS_ERA
        return day

    def _when(self, clock: _Clock, raw: RawLine, tod: time, day: date | None) -> datetime:
        if day is not None:
            when = _utc(self._era(day, raw), tod)
        else:
            ref = clock.last or self._source_clock.last or raw.received_at
            when = _utc(ref.date(), tod)
            # The nearest such time-of-day to the reference: crossing midnight either way.
            if when - ref > _HALF_DAY:
                when -= timedelta(days=1)
            elif ref - when > _HALF_DAY:
                when += timedelta(days=1)
        if clock.last is None or when > clock.last or day is not None:
            clock.last = when
        if day is not None:
            clock.dated = True
            self._source_clock.last = when
        return when

    def assume_date(self, day: date) -> None:
        """The day a log was recorded, for logs that never say it (GGA-only, UKHAS)."""
        self._source_clock.last = datetime.combine(day, time(12), tzinfo=UTC)

    def learn_dates(self, head: bytes) -> None:
        """Look ahead in a log before decoding it: take its first RMC/ZDA date.

        GGA has no date. Without this the GGA sentences before a log's first RMC would be
        dated by the import day, not the day the log was recorded.
        """
        if self._source_clock.last is not None:
            return  # told already
        scratch = StreamDecoder(self.default_tracker, check_plausibility=False)
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        for n, (data, error) in enumerate(LineFramer().feed(head)):
            if error is None and data[3:6] in (b"RMC", b"ZDA"):
                scratch.decode(RawLine("", n, epoch, data, live_clock=False))
                if scratch._source_clock.last is not None:
                    self._source_clock.last = scratch._source_clock.last
                    return


def _utc(day: date, tod: time) -> datetime:
    return datetime.combine(day, tod, tzinfo=UTC)


def _head(text: str) -> str:
    return text[1:6] if len(text) > 6 else text[1:]


def _checksum_reason(exc: Exception) -> str:
    message = str(exc.args[0][0]) if exc.args and isinstance(exc.args[0], tuple) else str(exc)
    if "missing" in message:
        return "no checksum"
    return "bad checksum"
