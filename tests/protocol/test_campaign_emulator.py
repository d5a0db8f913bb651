"""The emulator flies campaigns: a night of launches from two sites, as a receiver hears it.

The main fixture is 30 balloons from two sites over 8 hours, made by the real CLI (packets
every 20 s to keep the import quick), imported by the real CLI into a real SQLite file.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from firmware_protocol.emulator import (
    CampaignConfig,
    LaunchSite,
    campaign_stream,
    fly_campaign,
    plan_campaign,
)
from groundstation.cli_simulate import simulate as simulate_command

SITES = "52.2,0.1,30;51.9,-0.4,60"
WINDOW_S = 8 * 3600
NIGHT = CampaignConfig(
    balloons=30,
    sites=(LaunchSite(52.2, 0.1, 30.0), LaunchSite(51.9, -0.4, 60.0)),
    window=WINDOW_S,
    seed=7,
    interval=20.0,
)
SMALL = CampaignConfig(balloons=4, window=3600.0, burst_altitude=3_000.0, seed=3, interval=2.0)
HEADER_TIME = re.compile(rb"^\$PHABT,([A-Za-z0-9_-]+),\d+,(\d{6}\.\d\d),", re.MULTILINE)


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def _east_north(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    k = math.pi / 180 * 6_371_008.8
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def _side(line: list[list[float]], lat: float, lon: float) -> float:
    """Signed distance (m) from the nearest segment of a lon/lat polyline, computed in a flat
    frame around that segment: positive on the left walking along the line. An independent
    check of the emulator's own spherical geometry."""
    best: tuple[float, float] | None = None
    for (lon1, lat1), (lon2, lat2) in zip(line, line[1:], strict=False):
        ax, ay = _east_north(lat1, lon1, lat2, lon2)
        px, py = _east_north(lat1, lon1, lat, lon)
        length = math.hypot(ax, ay)
        t = max(0.0, min(1.0, (px * ax + py * ay) / length**2))
        gap = math.hypot(px - t * ax, py - t * ay)
        signed = (ax * py - ay * px) / length
        if best is None or gap < best[0]:
            best = (gap, signed)
    assert best is not None
    return best[1]


@dataclass
class Night:
    log: Path
    truth: dict[str, Any]
    line: dict[str, Any]
    db: Path


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    folder = tmp_path_factory.mktemp("night")
    log, truth, line, db = (folder / n for n in ("night.log", "t.json", "b.geojson", "n.db"))
    args = ["--campaign", "30", "--sites", SITES, "--window", "8h", "--seed", "7"]
    args += ["--interval", "20", "-o", str(log), "--truth", str(truth)]
    result = CliRunner().invoke(simulate_command, [*args, "--boundary-out", str(line)])
    assert result.exit_code == 0, result.output
    imported = subprocess.run(
        [sys.executable, "-m", "groundstation", "--db", str(db), "import", str(log)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert imported.returncode == 0, imported.stderr
    return Night(log, json.loads(truth.read_text()), json.loads(line.read_text()), db)


def test_the_cli_campaign_is_the_library_campaign(night: Night) -> None:
    assert night.log.read_bytes() == b"".join(data for _, data in campaign_stream(NIGHT))


def test_launches_are_staggered_through_the_window_from_both_sites(night: Night) -> None:
    plan = plan_campaign(NIGHT)
    times = [launch.launch_time for launch in plan]
    assert all(0 <= t <= WINDOW_S for t in times)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    slot = WINDOW_S / 30
    assert min(gaps) > 0.1 * slot and max(gaps) < 2 * slot  # jittered, never bunched
    assert times[0] < slot and times[-1] > WINDOW_S - slot  # the whole window is used
    assert [launch.site_index for launch in plan] == [0, 1] * 15
    trackers = night.truth["trackers"]
    assert [t["callsign"] for t in trackers] == [f"EMU{i}" for i in range(1, 31)]
    for launch, tracker in zip(plan, trackers, strict=True):
        site = NIGHT.sites[tracker["site"]]
        assert (
            _distance_m(site.lat, site.lon, tracker["launch"]["lat"], tracker["launch"]["lon"])
            < 100
        )
        assert tracker["events"]["launch_time"] == pytest.approx(launch.launch_time)
        launched = datetime.fromisoformat(tracker["events"]["launch_utc"])
        assert 0 <= (launched - NIGHT.start).total_seconds() <= WINDOW_S


def test_the_fleet_is_not_identical(night: Night) -> None:
    bursts = [t["events"]["burst_alt"] for t in night.truth["trackers"]]
    rates = [t["planned"]["ascent_rate"] for t in night.truth["trackers"]]
    assert all(abs(b / 30_000 - 1) <= 0.08 for b in bursts)
    assert all(abs(r / 5.0 - 1) <= 0.10 for r in rates)
    assert max(bursts) - min(bursts) > 2_000 and max(rates) - min(rates) > 0.4


def test_every_balloon_lands_and_the_receiver_hears_it_in_time_order(night: Night) -> None:
    for tracker in night.truth["trackers"]:
        events, points = tracker["events"], tracker["points"]
        assert events["landing_time"] > events["burst_time"] > events["launch_time"]
        assert points[-1]["phase"] == "landed"
        assert points[-1]["alt"] == pytest.approx(tracker["launch"]["alt"])
    headers = HEADER_TIME.findall(night.log.read_bytes())
    assert {name for name, _ in headers} == {b"EMU%d" % i for i in range(1, 31)}
    times = [float(t) for _, t in headers]  # hhmmss.ss: ordered as numbers within one day
    assert times == sorted(times)
    assert times[0] < 91000 and times[-1] > 170000  # 09:0x to past 17:00


def test_winds_change_between_the_first_and_last_launch_but_slowly() -> None:
    """Measured two ways. The wind itself: the largest change of the wind vector (at 1, 5,
    11, 20 and 28 km) between the first and the last launch, against its largest change in
    any 10 minutes of the night. And what the balloons felt: each balloon's mean drift
    velocity during its ascent (launch to burst), first against last balloon, and against the
    next balloon from the same site (about 30 minutes later)."""
    wind, plan = NIGHT.wind(), plan_campaign(NIGHT)
    alts = (1_000, 5_000, 11_000, 20_000, 28_000)

    def change(t1: float, t2: float) -> float:
        return max(math.dist(wind.velocity_at(a, t1), wind.velocity_at(a, t2)) for a in alts)

    overnight = change(plan[0].launch_time, plan[-1].launch_time)
    ten_minutes = max(change(t, t + 600) for t in range(0, WINDOW_S, 300))
    assert overnight > 10.0  # m/s
    assert ten_minutes < 3.0 and ten_minutes < overnight / 5

    drift = []
    for flight in fly_campaign(NIGHT, plan):
        e = flight.events
        assert e.burst_lat is not None and e.burst_lon is not None and e.burst_time is not None
        east, north = _east_north(flight.launch_lat, flight.launch_lon, e.burst_lat, e.burst_lon)
        drift.append(
            (east / (e.burst_time - e.launch_time), north / (e.burst_time - e.launch_time))
        )
    first_to_last = math.dist(drift[0], drift[-1])
    neighbours = sorted(math.dist(a, b) for a, b in zip(drift, drift[2:], strict=False))
    assert first_to_last > 4.0
    assert neighbours[len(neighbours) // 2] < first_to_last / 4
    assert neighbours[-1] < first_to_last / 2


def test_the_import_finds_the_truth(night: Night) -> None:
    con = sqlite3.connect(night.db)
    for tracker in night.truth["trackers"]:
        name, events = tracker["callsign"], tracker["events"]
        rows = con.execute(
            "SELECT f.time, f.lat, f.lon, f.alt_m FROM fixes f JOIN trackers t"
            " ON t.id = f.tracker_id WHERE t.name = ? ORDER BY f.time",
            (name,),
        ).fetchall()
        assert len(rows) == len(tracker["points"]), name  # a clean link: every packet
        _, lat, lon, _ = rows[-1]
        assert _distance_m(lat, lon, events["landing_lat"], events["landing_lon"]) < 30, name
        top = max(rows, key=lambda r: r[3])  # the highest packet, not exactly the burst
        assert abs(top[3] - max(p["alt"] for p in tracker["points"])) < 30, name
        seen = datetime.fromisoformat(top[0].replace("Z", "+00:00"))
        burst = datetime.fromisoformat(events["burst_utc"])
        assert abs((seen - burst).total_seconds()) <= NIGHT.interval, name
    assert con.execute("SELECT count(*) FROM trackers").fetchone() == (30,)


def test_the_boundary_splits_the_landings(night: Night) -> None:
    (feature,) = night.line["features"]
    assert feature["geometry"]["type"] == "LineString" and feature["properties"]["name"]
    line = feature["geometry"]["coordinates"]
    assert night.truth["boundary"] == night.line
    sides = {True: 0, False: 0}
    for tracker in night.truth["trackers"]:
        events, said = tracker["events"], tracker["boundary"]
        distance = _side(line, events["landing_lat"], events["landing_lon"])
        assert distance == pytest.approx(said["landing_distance_m"], rel=0.01, abs=20)
        assert abs(distance) > 500  # nobody lands on the line
        assert (distance > 0) == said["landed_beyond"]
        sides[said["landed_beyond"]] += 1
        launch = tracker["launch"]
        assert _side(line, launch["lat"], launch["lon"]) < 0  # every launch is short of it
    assert sides[True] >= 5 and sides[False] >= 5


def test_truth_crossings_match_the_received_track(night: Night) -> None:
    """The crossings the truth lists are the sign changes of the imported fixes' side."""
    line = night.line["features"][0]["geometry"]["coordinates"]
    con = sqlite3.connect(night.db)
    crossed = 0
    for tracker in night.truth["trackers"]:
        rows = con.execute(
            "SELECT f.time, f.lat, f.lon FROM fixes f JOIN trackers t ON t.id = f.tracker_id"
            " WHERE t.name = ? ORDER BY f.time",
            (tracker["callsign"],),
        ).fetchall()
        sides = [(time, _side(line, lat, lon) > 0) for time, lat, lon in rows]
        seen = [b for a, b in zip(sides, sides[1:], strict=False) if a[1] != b[1]]
        truth = tracker["boundary"]["crossings"]
        assert len(seen) == len(truth), tracker["callsign"]
        for (time, beyond), crossing in zip(seen, truth, strict=True):
            after = datetime.fromisoformat(time.replace("Z", "+00:00"))
            at = datetime.fromisoformat(crossing["utc"])
            assert 0 <= (after - at).total_seconds() <= NIGHT.interval + 1
            assert beyond == (crossing["direction"] == "outbound")
        crossed += bool(truth)
    assert crossed == sum(t["boundary"]["landed_beyond"] for t in night.truth["trackers"])


def test_same_seed_same_bytes_other_seed_other_night() -> None:
    once = b"".join(data for _, data in campaign_stream(SMALL))
    assert once == b"".join(data for _, data in campaign_stream(SMALL))
    assert once != b"".join(data for _, data in campaign_stream(replace(SMALL, seed=4)))
    stdout = CliRunner().invoke(
        simulate_command,
        ["--campaign", "4", "--window", "1h", "--burst-altitude", "3000", "--seed", "3"]
        + ["--interval", "2"],
    )
    assert stdout.exit_code == 0 and stdout.stdout_bytes == once


def test_a_large_fleet_has_distinct_callsigns_and_flies_in_ukhas() -> None:
    fleet = replace(SMALL, balloons=120, window=2 * 3600.0, output_format="ukhas", interval=10)
    plan = plan_campaign(fleet)
    assert len({launch.callsign for launch in plan}) == 120 and plan[-1].callsign == "EMU120"
    lines = b"".join(data for _, data in campaign_stream(fleet)).split(b"\r\n")[:-1]
    assert {line.split(b",")[0] for line in lines} == {b"$$EMU%d" % i for i in range(1, 121)}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--campaign", "0"], "between 1 and 500 balloons"),
        (["--campaign", "3", "--window", "8"], "not a duration such as 8h"),
        (["--campaign", "3", "--window", "49h"], "between 0 and 48 hours"),
        (["--campaign", "3", "--sites", "52.2,0.1"], "not LAT,LON,ALT"),
        (["--campaign", "3", "--sites", "95,0,0"], "latitude must be within"),
        (["--campaign", "3", "--trackers", "2"], "either --campaign or --trackers"),
        (["--campaign", "3", "--format", "nmea"], "cannot carry a campaign"),
        (["--campaign", "3", "--burst-spread", "0.9"], "Burst spread must be between"),
        (["--campaign", "3", "--launch", "1,2,3", "--sites", SITES], "either --sites or"),
        (["--sites", SITES], "--sites applies only to a campaign"),
        (["--boundary-out", "x.geojson"], "only to a campaign"),
    ],
)
def test_bad_campaign_options_are_refused_plainly(args: list[str], message: str) -> None:
    result = CliRunner().invoke(simulate_command, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_help_documents_the_campaign_options() -> None:
    result = CliRunner().invoke(simulate_command, ["--help"])
    for option in ("--campaign", "--sites", "--window", "--boundary-out", "--site-order"):
        assert option in result.output
    assert "groundstation simulate --campaign 30" in result.output


def test_sites_can_be_chosen_at_random_and_one_site_comes_from_launch(tmp_path: Path) -> None:
    two = replace(SMALL, balloons=12, sites=NIGHT.sites, site_order="random")
    order = [launch.site_index for launch in plan_campaign(two)]
    assert set(order) == {0, 1} and order != [0, 1] * 6
    assert order == [launch.site_index for launch in plan_campaign(two)]  # seeded
    truth = tmp_path / "truth.json"
    args = ["--campaign", "2", "--launch", "45.5,7.2,900", "--window", "0h30m", "--truth"]
    result = CliRunner().invoke(
        simulate_command, [*args, str(truth), "--burst-altitude", "3000", "-o", "/dev/null"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(truth.read_text())
    assert data["campaign"]["sites"] == [{"lat": 45.5, "lon": 7.2, "alt": 900.0}]
    assert data["campaign"]["window_s"] == 1800
    assert all(t["events"]["launch_time"] <= 1800 for t in data["trackers"])
