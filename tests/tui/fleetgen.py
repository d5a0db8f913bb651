"""A launch campaign of 100 balloons at one moment, with what each one should show.

The emulator flies at most 26 trackers and decoding its output for 100 whole flights would
take most of a minute, so this builds the decoded fixes directly: every balloon climbs at
5 m/s, bursts, comes down at 6 m/s and lands, drifting east with its own wind. Launch times are
set so that at :attr:`Fleet.end` each balloon is well inside one state (never within minutes of
a burst or a landing), in groups of known size: 6 waiting to launch, 30 climbing, 4 floating,
20 coming down, 30 landed (some silent since) and 10 lost (silent in the air for minutes).

A north-south border :data:`BORDER_EAST_M` east of the launch site is crossed by the balloons
that drift far enough; a few landed ones meet a reversed wind on the way down and cross back.
The expected crossings are worked out from the track here, independently of the code under test.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from firmware_protocol.packet import encode_packet
from groundstation.models import Decoded, Fix, RawLine

END = datetime(2024, 6, 1, 22, 0, 0, tzinfo=UTC)
LAUNCH_LAT, LAUNCH_LON, GROUND_M = 52.2, 0.1, 30.0
ASCENT, DESCENT, INTERVAL = 5.0, 6.0, 10.0
BORDER_EAST_M = 6000.0
M_PER_DEG_LAT = 111_195.0
GROUPS = {"pre-launch": 6, "ascent": 30, "float": 4, "descent": 20, "landed": 30, "lost": 10}


def _lon_per_m(lat: float) -> float:
    return 1.0 / (M_PER_DEG_LAT * math.cos(math.radians(lat)))


BORDER_LON = LAUNCH_LON + BORDER_EAST_M * _lon_per_m(LAUNCH_LAT)


@dataclass
class Balloon:
    name: str
    state: str
    launch: datetime
    burst_m: float
    wind_up: float  # m/s eastward while climbing
    wind_down: float  # m/s eastward while descending
    lat: float
    first: datetime
    last: datetime  # the last fix sent
    float_after_m: float | None = None
    fixes: list[Fix] = field(default_factory=list)
    crossing_times: list[datetime] = field(default_factory=list)
    crossing_alts: list[float] = field(default_factory=list)


def _fly(b: Balloon) -> None:
    """Fixes every INTERVAL seconds from ``first`` to ``last``; crossings of the border."""
    lon_m = _lon_per_m(b.lat)
    east = 0.0
    t = b.first
    previous: tuple[datetime, float, float] | None = None
    top = b.burst_m if b.float_after_m is None else b.float_after_m
    climb_s = (top - GROUND_M) / ASCENT
    fall_s = (b.burst_m - GROUND_M) / DESCENT
    while t <= b.last:
        s = (t - b.launch).total_seconds()
        if s <= 0:
            alt, east = GROUND_M, 0.0
        elif s <= climb_s:
            alt, east = GROUND_M + ASCENT * s, b.wind_up * s
        elif b.float_after_m is not None:
            alt, east = top, b.wind_up * s
        elif s <= climb_s + fall_s:
            down = s - climb_s
            alt, east = b.burst_m - DESCENT * down, b.wind_up * climb_s + b.wind_down * down
        else:
            alt, east = GROUND_M, b.wind_up * climb_s + b.wind_down * fall_s
        lon = LAUNCH_LON + east * lon_m
        b.fixes.append(Fix(b.name, t, b.lat, lon, round(alt, 1)))
        if previous is not None and (previous[1] - BORDER_LON) * (lon - BORDER_LON) < 0:
            f = (BORDER_LON - previous[1]) / (lon - previous[1])
            b.crossing_times.append(previous[0] + (t - previous[0]) * f)
            b.crossing_alts.append(previous[2] + (alt - previous[2]) * f)
        previous = (t, lon, alt)
        t += timedelta(seconds=INTERVAL)


def _balloon(name: str, state: str, i: int, rng: random.Random) -> Balloon:
    lat = LAUNCH_LAT + 0.002 * i  # 220 m apart: no two tracks on top of each other
    wind = rng.uniform(4.0, 14.0)
    end = END
    burst, float_at, wind_down = 20_000.0, None, wind
    if state == "pre-launch":
        launch = end + timedelta(seconds=rng.uniform(300, 900))
    elif state == "ascent":
        launch = end - timedelta(seconds=rng.uniform(300, 700))
    elif state == "float":
        launch, float_at = end - timedelta(seconds=rng.uniform(1700, 2000)), 3000.0
    elif state == "descent":
        burst = 6000.0
        launch = end - timedelta(seconds=(burst - GROUND_M) / ASCENT + rng.uniform(300, 600))
    elif state == "landed":
        burst = 3000.0
        flight_s = (burst - GROUND_M) / ASCENT + (burst - GROUND_M) / DESCENT
        launch = end - timedelta(seconds=flight_s + rng.uniform(400, 900))
        if i % 5 == 0:
            wind, wind_down = 14.0, -14.0  # east above, back west below: crosses twice
    else:  # lost: climbing when its signal stopped, minutes ago
        launch = end - timedelta(seconds=rng.uniform(900, 1500))
        end = end - timedelta(seconds=rng.uniform(180, 400))
    first = launch - timedelta(seconds=300)
    if state == "pre-launch":
        first = END - timedelta(seconds=600)
    if state == "landed" and i % 2:  # half of the landed ones fell silent after landing
        end = launch + timedelta(seconds=flight_s + 300)
    b = Balloon(name, state, launch, burst, wind, wind_down, lat, first, end, float_at)
    _fly(b)
    return b


@dataclass
class Fleet:
    balloons: list[Balloon]
    end: datetime = END

    @property
    def states(self) -> dict[str, str]:
        return {b.name: b.state for b in self.balloons}

    @property
    def counts(self) -> Counter[str]:
        return Counter(b.state for b in self.balloons)

    @property
    def crossers(self) -> set[str]:
        return {b.name for b in self.balloons if b.crossing_times}

    def records(self) -> list[Decoded]:
        """Every fix as a decoded line, in time order, received when it was sent."""
        fixes = sorted((f for b in self.balloons for f in b.fixes), key=lambda f: f.time)
        return [
            Decoded(
                RawLine("serial:/dev/fleet", n, f.time, b"$GPGGA..."),
                "ok",
                tracker=f.tracker,
                records=(f,),
            )  # fmt: skip
            for n, f in enumerate(fixes)
        ]

    def write_log(self, path: Path) -> Path:
        """The campaign as our protocol's packets, as a receiver would have logged them."""
        fixes = sorted((f for b in self.balloons for f in b.fixes), key=lambda f: f.time)
        seqs: Counter[str] = Counter()
        with path.open("w", encoding="ascii", newline="") as out:
            for f in fixes:
                seqs[f.tracker] += 1
                lines = encode_packet(
                    f.tracker, seqs[f.tracker], f.time, f.lat, f.lon, f.alt_m, 8.0, 90.0, 9,
                    1.0, 4.0, 20.0, 5.0, 900.0,
                )  # fmt: skip
                out.write("".join(line + "\r\n" for line in lines))
        return path


def make_fleet(seed: int = 8) -> Fleet:
    rng = random.Random(seed)
    states = [state for state, n in GROUPS.items() for _ in range(n)]
    rng.shuffle(states)  # name order says nothing about state
    return Fleet([_balloon(f"CMP{i + 1:03d}", s, i, rng) for i, s in enumerate(states)])


def write_border(path: Path, name: str = "Border") -> Path:
    """The border as GeoJSON: a meridian drawn south to north, so east of it is its right."""
    feature = {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "LineString", "coordinates": [[BORDER_LON, 51.0], [BORDER_LON, 53.5]]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path
