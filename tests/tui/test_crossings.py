"""Boundary crossings in the live model: the gated watch finds what the plain watch finds, once."""

from __future__ import annotations

import random
from datetime import timedelta

from tuikit import T0, Clock

from groundstation.flight.boundary import Boundary, CrossingWatch
from groundstation.models import Decoded, Fix, RawLine
from groundstation.tui.crossings import GatedWatch
from groundstation.tui.model import LiveModel
from groundstation.tui.settings import LiveSettings

BORDER = Boundary("Border", "line", (((51.0, 0.2), (52.3, 0.2), (53.5, 0.26)),))
ZONE = Boundary(
    "Zone",
    "polygon",
    (((52.15, 0.15), (52.15, 0.21), (52.25, 0.21), (52.25, 0.15), (52.15, 0.15)),),
)


def wander(seed: int, n: int = 1200) -> list[Fix]:
    """A track that drifts back and forth across the border and through the zone."""
    rng = random.Random(seed)
    lat, lon, alt = 52.2, 0.17, 100.0
    heading = 0.0
    out = []
    for i in range(n):
        heading += rng.gauss(0.0, 0.15)
        lat += 2e-4 * rng.uniform(-1, 1)
        lon += 6e-4 * (0.6 * (1 if (i // 200) % 2 == 0 else -1) + 0.4 * rng.uniform(-1, 1))
        alt += rng.uniform(-3, 6)
        out.append(Fix("WALK", T0 + timedelta(seconds=i), lat, lon, round(alt, 1)))
    return out


def test_the_gated_watch_finds_the_same_crossings_as_feeding_every_fix():
    for seed in range(2):
        track = wander(seed)
        for boundary in (BORDER, ZONE):
            plain, gated = CrossingWatch(boundary), GatedWatch(boundary)
            want = [c for f in track for c in plain.feed(f.time, f.lat, f.lon, f.alt_m)]
            got = [c for f in track for c in gated.feed(f)]
            assert got == want, (seed, boundary.name)
            assert len(want) >= 4, (seed, boundary.name)  # the track does cross, again and again
            assert gated.fed < len(track)


def test_far_from_the_boundary_few_fixes_reach_the_watch():
    gated = GatedWatch(BORDER)
    for i in range(1000):  # 20 km west of the line, circling slowly
        gated.feed(Fix("FAR", T0 + timedelta(seconds=i), 52.2 + (i % 50) * 1e-5, -0.1, 500.0))
    assert gated.fed < 5


def _line(fix: Fix, n: int) -> Decoded:
    raw = RawLine("serial:/dev/test", n, fix.time, b"$GP...")
    return Decoded(raw, "ok", tracker=fix.tracker, records=(fix,))


def test_a_crossing_is_logged_once_with_its_altitude_when_gga_comes_after_rmc():
    """RMC (no altitude) and GGA of each second arrive in separate batches: the crossing is
    still found once, with an altitude, and a fix sent twice does not log it again."""
    model = LiveModel(LiveSettings(clock=Clock(T0), boundaries=(BORDER,)))
    n = 0
    for i in range(60):
        t = T0 + timedelta(seconds=i)
        lon = 0.19 + i * 4e-4  # crosses 0.2 at i = 25
        rmc = Fix("EMU7", t, 52.2, lon, None)
        gga = Fix("EMU7", t, 52.2, lon, 10_000.0 + 10 * i)
        for fix in (rmc, gga) if i != 30 else (rmc, gga, gga):
            n += 1
            model.apply([_line(fix, n)])
    events = [e for e in model.events if e.kind == "crossing"]
    assert [(e.tracker, e.text) for e in events] == [
        ("EMU7", "crossed Border left to right, 10,250 m")
    ]
    assert abs((events[0].time - (T0 + timedelta(seconds=25))).total_seconds()) < 1
    assert len(model.trackers["EMU7"].crossings) == 1


def test_crossing_into_and_out_of_an_area_reads_as_such():
    model = LiveModel(LiveSettings(clock=Clock(T0), boundaries=(ZONE,)))
    for i in range(40):  # west to east through the middle of the zone
        fix = Fix("EMU8", T0 + timedelta(seconds=i), 52.2, 0.13 + i * 3e-3, 800.0)
        model.apply([_line(fix, i)])
    texts = [e.text for e in model.events if e.kind == "crossing"]
    assert texts == ["crossed into Zone, 800 m", "crossed out of Zone, 800 m"]
