"""What the live view knows about each tracker, built from decoded records (no Textual here).

:class:`LiveModel` is fed batches of :class:`~groundstation.models.Decoded` in the UI thread (the
ingest threads only queue them, see :mod:`.inbox`) and keeps, per tracker, the fixes (one per
epoch: GGA and RMC of one time merge), the latest telemetry and link values, packet counts, and
what flight analysis last said. It reports which trackers changed, and the events a crew wants to
see: launch, burst, landing, signal lost and regained, low battery, a port unplugged and back,
and each crossing of a watched boundary (:mod:`.crossings`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from groundstation.flight import GroundVelocity, ascent_rate, ground_velocity
from groundstation.flight.boundary import Crossing
from groundstation.models import Decoded, Fix, LinkQuality, SourceEvent, StationFix, Telemetry
from groundstation.tui.analysis import Analysis
from groundstation.tui.crossings import GatedWatch
from groundstation.tui.settings import LiveSettings, Station

RATE_WINDOW_S = 60.0
RATE_EVERY_S = 1.0
"""Smoothed rates of a tracker are recomputed at most this often (in its own fix time)."""
BATTERY_HYSTERESIS_V = 0.1
EVENT_SEPARATION = timedelta(minutes=10)
"""A launch (burst, landing) this close to one already reported is the same one, revised."""
_BAD_CHECKSUM = ("bad checksum", "bad CRC16", "packet failed its CRC16 check")

EventKind = Literal[
    "launch", "burst", "landing", "signal lost", "signal regained", "low battery", "port",
    "crossing",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One line of the event log. ``tracker`` and ``text`` are untrusted (show them safely).
    ``time`` is on the tracker's clock (its fixes' times) for a tracker's events, and on this
    computer's for the ports': in a replay or the sped-up demo the two differ."""

    time: datetime
    kind: EventKind
    tracker: str | None
    text: str


@dataclass(slots=True)
class TrackerState:
    """Everything shown about one tracker."""

    name: str
    fixes: list[Fix] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # fix times as POSIX seconds, for bisect
    last_received: datetime | None = None
    battery_v: float | None = None
    temp_int_c: float | None = None
    temp_ext_c: float | None = None
    rssi_dbm: float | None = None
    snr_db: float | None = None
    packets: int = 0
    lost: int = 0
    bad: int = 0
    epochs: int = 0
    has_packets: bool = False
    ascent_mps: float | None = None
    velocity: GroundVelocity | None = None
    rates_at: float = float("-inf")
    max_alt_m: float | None = None
    analysis: Analysis | None = None
    stale: bool = False
    low_battery: bool = False
    announced: dict[str, datetime] = field(default_factory=dict)
    crossings: list[Crossing] = field(default_factory=list)  # of any boundary, in time order
    watches: list[GatedWatch] = field(default_factory=list)  # one per boundary
    watched_to: float = float("-inf")  # time (POSIX s) of the newest fix given to the watches
    dirty: bool = True  # fixes changed since the last analysis was started

    @property
    def last_fix(self) -> Fix | None:
        return self.fixes[-1] if self.fixes else None

    @property
    def received(self) -> int:
        """Packets received: our protocol's packets, else position epochs (plain NMEA)."""
        return self.packets if self.has_packets else self.epochs

    def age_s(self, now: datetime) -> float | None:
        if self.last_received is None:
            return None
        return max(0.0, (now - self.last_received).total_seconds())

    def tracker_now(self, now: datetime) -> datetime | None:
        """The tracker's own clock now: its last fix time plus that fix's age."""
        last = self.last_fix
        if last is None or self.last_received is None:
            return None
        return last.time + max(timedelta(0), now - self.last_received)

    def add_fix(self, fix: Fix) -> bool:
        """Keep one fix per epoch; later sentences of an epoch fill its gaps. True if new."""
        t = fix.time.timestamp()
        fixes, times = self.fixes, self.times
        if times and t == times[-1]:
            fixes[-1] = _merge(fixes[-1], fix)
            return False
        if times and t < times[-1]:  # out of order: rare, keep the list sorted
            i = bisect.bisect_left(times, t)
            if i < len(times) and times[i] == t:
                fixes[i] = _merge(fixes[i], fix)
                return False
            times.insert(i, t)
            fixes.insert(i, fix)
        else:
            times.append(t)
            fixes.append(fix)
        self.epochs += 1
        return True

    def recent(self, window_s: float) -> list[Fix]:
        """The fixes of the last ``window_s`` seconds of the track."""
        if not self.times:
            return []
        i = bisect.bisect_left(self.times, self.times[-1] - window_s)
        return self.fixes[i:]


def _merge(old: Fix, new: Fix) -> Fix:
    gaps = {
        name: getattr(new, name)
        for name in ("alt_m", "speed_mps", "course_deg", "sats", "hdop", "quality")
        if getattr(old, name) is None and getattr(new, name) is not None
    }
    return replace(old, **gaps) if gaps else old


class LiveModel:
    """Per-tracker state and the event log, fed from the UI thread."""

    def __init__(self, settings: LiveSettings) -> None:
        self.settings = settings
        self.trackers: dict[str, TrackerState] = {}
        self.events: list[LogEvent] = []
        self.ports: dict[str, SourceEvent] = {}
        self.station: Station | None = settings.station
        self.unattributed_bad = 0
        self.crossing_count = 0
        self._port_lost: set[str] = set()

    # -- records -------------------------------------------------------------------------------
    def apply(self, batch: Sequence[Decoded]) -> set[str]:
        """Take in decoded lines; return the names of trackers whose values changed."""
        changed: set[str] = set()
        for d in batch:
            if d.status != "ok":
                if d.reason is not None and d.reason.startswith(_BAD_CHECKSUM):
                    if d.tracker is not None:
                        self._tracker(d.tracker).bad += 1
                        changed.add(d.tracker)
                    else:
                        self.unattributed_bad += 1
                continue
            received = d.raw.received_at
            for rec in d.records:
                if isinstance(rec, StationFix):
                    if self.settings.station is None:
                        self.station = Station(rec.lat, rec.lon, rec.alt_m or 0.0)
                    continue
                t = self._tracker(rec.tracker)
                changed.add(rec.tracker)
                self._heard(t, received)
                if isinstance(rec, Fix):
                    if t.add_fix(rec):
                        t.dirty = True
                    if rec.alt_m is not None and (t.max_alt_m is None or rec.alt_m > t.max_alt_m):
                        t.max_alt_m = rec.alt_m
                elif isinstance(rec, Telemetry):
                    self._telemetry(t, rec)
                elif isinstance(rec, LinkQuality):
                    self._link(t, rec)
        for name in changed:
            t = self.trackers[name]
            self._rates(t)
            self._watch(t)
        return changed

    def _tracker(self, name: str) -> TrackerState:
        t = self.trackers.get(name)
        if t is None:
            t = self.trackers[name] = TrackerState(name)
            t.watches = [GatedWatch(b) for b in self.settings.boundaries]
        return t

    def _watch(self, t: TrackerState) -> None:
        """Give the boundary watches the tracker's new fixes, in time order, once each.

        The newest fix waits while it has no altitude (its epoch's GGA may be on its way), so a
        crossing gets the altitude; a fix older than one already watched (rare) is skipped.
        """
        if not t.watches or not t.times:
            return
        start = bisect.bisect_right(t.times, t.watched_to)
        end = len(t.fixes)
        if end > start and t.fixes[-1].alt_m is None:
            end -= 1
        for fix in t.fixes[start:end]:
            for watch in t.watches:
                for crossing in watch.feed(fix):
                    t.crossings.append(crossing)
                    self.crossing_count += 1
                    self._event(crossing.time, "crossing", t.name, crossing_text(crossing))
        if end > start:
            t.watched_to = t.times[end - 1]

    def _heard(self, t: TrackerState, received: datetime) -> None:
        if t.stale:
            gap = received - t.last_received if t.last_received else timedelta(0)
            t.stale = False
            when = t.tracker_now(received) or received  # (before this packet's fix is taken)
            self._event(when, "signal regained", t.name, f"signal regained after {_span(gap)}")
        if t.last_received is None or received > t.last_received:
            t.last_received = received

    def _telemetry(self, t: TrackerState, rec: Telemetry) -> None:
        t.has_packets = True
        t.packets += 1
        if rec.temp_int_c is not None:
            t.temp_int_c = rec.temp_int_c
        if rec.temp_ext_c is not None:
            t.temp_ext_c = rec.temp_ext_c
        if rec.battery_v is None:
            return
        t.battery_v = rec.battery_v
        low = self.settings.low_battery_v
        if not t.low_battery and rec.battery_v < low:
            t.low_battery = True
            when = rec.time or t.last_received or self.settings.clock()
            self._event(when, "low battery", t.name, f"low battery: {rec.battery_v:.2f} V")
        elif t.low_battery and rec.battery_v >= low + BATTERY_HYSTERESIS_V:
            t.low_battery = False

    def _link(self, t: TrackerState, rec: LinkQuality) -> None:
        t.lost += max(0, rec.lost_before)
        if rec.rssi_dbm is not None:
            t.rssi_dbm = rec.rssi_dbm
        if rec.snr_db is not None:
            t.snr_db = rec.snr_db

    def _rates(self, t: TrackerState) -> None:
        if not t.times or t.times[-1] - t.rates_at < RATE_EVERY_S:
            return
        t.rates_at = t.times[-1]
        window = t.recent(RATE_WINDOW_S)
        t.ascent_mps = ascent_rate(window, None, RATE_WINDOW_S)
        t.velocity = ground_velocity(window, None, RATE_WINDOW_S)

    # -- ports ---------------------------------------------------------------------------------
    def port_event(self, event: SourceEvent) -> None:
        self.ports[event.source] = event
        detail = f" ({event.detail})" if event.detail else ""
        if event.state == "lost":
            self._port_lost.add(event.source)
            self._event(event.time, "port", None, f"port {event.name} unplugged{detail}")
        elif event.state == "open" and event.source in self._port_lost:
            self._port_lost.discard(event.source)
            self._event(event.time, "port", None, f"port {event.name} is back")
        elif event.state == "error":
            self._event(event.time, "port", None, f"port {event.name} failed{detail}")

    # -- time passing --------------------------------------------------------------------------
    def tick(self) -> set[str]:
        """Mark trackers not heard for ``stale_after_s`` as stale; return those that changed."""
        now = self.settings.clock()
        limit = self.settings.stale_after_s
        changed = set()
        for t in self.trackers.values():
            age = t.age_s(now)
            if not t.stale and age is not None and age > limit:
                t.stale = True
                changed.add(t.name)
                when = t.tracker_now(now) or now
                self._event(when, "signal lost", t.name, f"signal lost: nothing for {_span_s(age)}")
        return changed

    # -- analysis ------------------------------------------------------------------------------
    def due_for_analysis(self, monotonic_now: float, last_started: dict[str, float]) -> list[str]:
        """Trackers with new fixes whose last analysis is old enough (paced by its cost)."""
        n = max(1, len(self.trackers))
        due = []
        for name, t in self.trackers.items():
            if not t.dirty or not t.fixes:
                continue
            cost = t.analysis.seconds if t.analysis is not None else 0.0
            interval = max(self.settings.analysis_interval_s, 4.0 * n * cost)
            if monotonic_now - last_started.get(name, float("-inf")) >= interval:
                due.append(name)
        return due

    def set_analysis(self, result: Analysis) -> None:
        t = self._tracker(result.tracker)
        t.analysis = result
        flight = result.flight
        if flight is None:
            return
        if flight.max_alt_m is not None and (t.max_alt_m is None or flight.max_alt_m > t.max_alt_m):
            t.max_alt_m = flight.max_alt_m
        if flight.launch is not None:
            self._flight_event(t, "launch", flight.launch.time, "launched")
        if flight.burst is not None:
            b = flight.burst
            self._flight_event(t, "burst", b.time, f"burst at {b.alt_m:,.0f} m")
        if flight.landing is not None:
            p = flight.landing
            self._flight_event(t, "landing", p.time, f"landed at {p.lat:.5f}, {p.lon:.5f}")

    def _flight_event(self, t: TrackerState, kind: EventKind, when: datetime, text: str) -> None:
        before = t.announced.get(kind)
        if before is not None and abs(when - before) < EVENT_SEPARATION:
            return
        t.announced[kind] = when
        self._event(when, kind, t.name, text)

    def _event(self, when: datetime, kind: EventKind, tracker: str | None, text: str) -> None:
        self.events.append(LogEvent(when, kind, tracker, text))

    def take_events(self, start: int) -> list[LogEvent]:
        return self.events[start:]

    def snapshot_fixes(self, names: Iterable[str]) -> list[tuple[str, list[Fix], datetime]]:
        """Copies of the fixes to analyse (taken in the UI thread), with each tracker's now."""
        now = self.settings.clock()
        out = []
        for name in names:
            t = self.trackers[name]
            t.dirty = False
            tracker_now = t.tracker_now(now)
            if tracker_now is not None:
                out.append((name, list(t.fixes), tracker_now))
        return out


def crossing_text(c: Crossing) -> str:
    """ "crossed Border left to right, 11,204 m" or "crossed into Restricted area, 850 m"."""
    where = (
        f"{c.direction} {c.boundary}"
        if c.from_side in ("inside", "outside")
        else (f"{c.boundary} {c.direction}")
    )
    alt = "" if c.alt_m is None else f", {c.alt_m:,.0f} m"
    return f"crossed {where}{alt}"


def _span(delta: timedelta) -> str:
    return _span_s(delta.total_seconds())


def _span_s(seconds: float) -> str:
    """A duration the way a crew says it: 45s, 3m05s, 2h04m."""
    s = int(max(0.0, seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"
