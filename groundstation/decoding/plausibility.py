"""Plausibility checks: checksums are weak, so impossible fixes are rejected with a reason.

NMEA's 8-bit XOR lets 1 in 256 random corruptions through. A corrupted digit usually makes a fix
jump, climb or travel in time; these checks catch that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from groundstation.flight.geo import MEAN_EARTH_RADIUS_M, ground_distance_m

MIN_ALT_M = -500.0
MAX_ALT_M = 60_000.0
MAX_SPEED_MPS = 350.0
"""Faster than any balloon: jet streams reach ~100 m/s, a burst payload falls at up to ~80 m/s."""
MAX_TIME_JUMP = timedelta(hours=6)
"""A fix this far in time from the tracker's previous one is suspect (a damaged date that its
checksum let through) until a few more agree with it."""
MAX_CLOCK_SKEW = timedelta(minutes=30)
"""How far a fix time may be from the (live) receive time."""
RESYNC_AFTER = 5
"""After this many jump rejections in a row the new position is trusted: the old one was wrong,
or the tracker was carried somewhere else while it was off."""

_BOUND_M_PER_DEGREE = 2.0 * MEAN_EARTH_RADIUS_M * math.pi / 180.0
"""Over pi/2 R a radian, in metres a degree: :meth:`Plausibility._jump`'s bound, with room for
rounding."""


@dataclass(slots=True)
class _Last:
    time: datetime
    lat: float
    lon: float
    alt: float | None


@dataclass(slots=True)
class Plausibility:
    """Per-tracker memory of the last accepted fix, for jump checks."""

    max_speed_mps: float = MAX_SPEED_MPS
    _last: dict[str, _Last] = field(default_factory=dict)
    _strikes: dict[str, int] = field(default_factory=dict)

    def copy(self) -> Plausibility:
        return Plausibility(self.max_speed_mps, dict(self._last), dict(self._strikes))

    def remembered(self, tracker: str) -> tuple[_Last | None, int | None]:
        """What :meth:`check` remembers of one tracker, for :meth:`restore`."""
        return self._last.get(tracker), self._strikes.get(tracker)

    def restore(self, tracker: str, memory: tuple[_Last | None, int | None]) -> None:
        """Forget the checks since :meth:`remembered` gave ``memory`` (one tracker's only)."""
        last, strikes = memory
        if last is None:
            self._last.pop(tracker, None)
        else:
            self._last[tracker] = last
        if strikes is None:
            self._strikes.pop(tracker, None)
        else:
            self._strikes[tracker] = strikes

    def steady(
        self, tracker: str, when: datetime, lat: float, lon: float, alt: float | None
    ) -> bool:
        """:meth:`check` of an epoch's GGA (``alt``) and then its RMC (no altitude) at the same
        time and place, no receive time, when both pass and the epoch is not older than the
        tracker's latest fix: remembered as :meth:`check` leaves it (the RMC's, without an
        altitude). False, with nothing changed, otherwise: :meth:`check` them."""
        last = self._last.get(tracker)
        if last is None or when < last.time or when - last.time > MAX_TIME_JUMP:
            return False
        if alt is not None and not (MIN_ALT_M <= alt <= MAX_ALT_M):
            return False
        if self._jump(last, when, lat, lon, alt) is not None:
            return False
        self._strikes[tracker] = 0
        self._last[tracker] = _Last(when, lat, lon, None)
        return True

    def _jump(
        self, last: _Last, when: datetime, lat: float, lon: float, alt: float | None
    ) -> tuple[float, float] | None:
        """The distance (m) and time (s) from ``last`` when the fix moved further than a
        balloon can; None when it did not (or did not move)."""
        if lat == last.lat and lon == last.lon and (alt is None or alt == last.alt):
            return None
        # Within 300 m no move is a jump. The great-circle distance is at most pi/2 R times
        # the sum of the latitude and longitude differences (in radians), and the climb adds at
        # most its height: so a fix that near (nearly every fix of a flight) needs no haversine.
        near = _BOUND_M_PER_DEGREE * (abs(lat - last.lat) + abs(lon - last.lon))
        if alt is not None and last.alt is not None:
            near += abs(alt - last.alt)
        if near <= 300.0:
            return None
        dt = abs((when - last.time).total_seconds())
        dist = ground_distance_m(last.lat, last.lon, lat, lon)
        if alt is not None and last.alt is not None:
            dist = math.hypot(dist, alt - last.alt)
        # Two sentences of one epoch must agree; otherwise allow the fastest balloon, plus a few
        # hundred metres for GPS noise.
        if dist > 300.0 + self.max_speed_mps * dt:
            return dist, dt
        return None

    def check(
        self,
        tracker: str,
        when: datetime,
        lat: float,
        lon: float,
        alt: float | None,
        received_at: datetime | None,
    ) -> str | None:
        """Return a rejection reason, or None and remember the fix as the tracker's latest."""
        if alt is not None and not (MIN_ALT_M <= alt <= MAX_ALT_M):
            return f"implausible altitude: {alt:.0f} m"
        if received_at is not None and abs(when - received_at) > MAX_CLOCK_SKEW:
            return "fix time far from receive time"
        last = self._last.get(tracker)
        reason = None
        if last is not None and abs(when - last.time) > MAX_TIME_JUMP:
            reason = "implausible time jump: over 6 h from the previous fix"
        elif last is not None and (jump := self._jump(last, when, lat, lon, alt)) is not None:
            dist, dt = jump
            reason = f"implausible jump: {dist / 1000:.1f} km in {dt:.0f} s"
        if reason is not None:
            # Reject, unless this is the RESYNC_AFTER-th in a row: then the new place is right.
            strikes = self._strikes.get(tracker, 0) + 1
            if strikes < RESYNC_AFTER:
                self._strikes[tracker] = strikes
                return reason
        self._strikes[tracker] = 0
        if last is None or when >= last.time or reason is not None:
            self._last[tracker] = _Last(when, lat, lon, alt)
        return None
