"""Launch campaigns end to end: a night of 30 emulated balloons from two sites, imported by the
real command line, summarised by ``groundstation campaign``, drawn and shared as a map.

The emulator's truth (``simulate --truth``) is the reference: which balloons crossed its
boundary, when, and on which side they landed. It computes those on the true track, with its
own geometry; we compute them from the received fixes (GPS noise, one every 20 s).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from campaign_kit import SITES, Night, gs, make_night, positions_near

from groundstation.flight import ground_distance_m
from groundstation.flight.planned import PlannedLaunch, fly_plan
from groundstation.flight.wind import wind_profile
from groundstation.store.database import Store
from groundstation.store.flights import load_fixes

INTERVAL_S = 20.0


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    return make_night(tmp_path_factory.mktemp("campaign"), interval=INTERVAL_S)


@pytest.fixture(scope="module")
def summary(night: Night) -> dict[str, Any]:
    done = gs(night.db, "campaign", "--json", "--boundary", str(night.boundary))
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _truth_by_callsign(night: Night) -> dict[str, dict[str, Any]]:
    return {t["callsign"]: t for t in night.truth["trackers"]}


def test_the_campaign_counts_what_the_truth_says(night: Night, summary: dict[str, Any]) -> None:
    truth = night.truth["trackers"]
    crossed = sum(1 for t in truth if t["boundary"]["crossings"])
    beyond = sum(1 for t in truth if t["boundary"]["landed_beyond"])
    assert 0 < crossed < 30 and 0 < beyond < 30  # the boundary splits the fleet
    counts = summary["counts"]
    assert counts == {
        "launched": 30,
        "burst": 30,
        "floated": 0,
        "landed": 30,
        "lost": 0,
        "in_flight": 0,
        "crossed": crossed,
        "landed_beyond": beyond,
    }
    assert [(s["launches"], round(s["lat"], 2), round(s["lon"], 2)) for s in summary["sites"]] == [
        (15, SITES[0][0], SITES[0][1]),
        (15, SITES[1][0], SITES[1][1]),
    ]
    assert summary["boundaries"][0]["crossed"] == crossed
    assert summary["boundaries"][0]["landed_beyond"] == beyond


def test_each_crossing_is_found_once_at_the_right_time(
    night: Night, summary: dict[str, Any]
) -> None:
    truth = _truth_by_callsign(night)
    compared = 0
    for flight in summary["flights"]:
        expected = truth[flight["tracker"]]["boundary"]
        result = flight["boundaries"][0]
        found = result["crossings"]
        assert len(found) == len(expected["crossings"]), flight["tracker"]
        for ours, true in zip(found, expected["crossings"], strict=True):
            # fixes come every 10 s, with GPS noise: the crossing lies between two of them
            gap = abs((_utc(ours["time"]) - _utc(true["utc"])).total_seconds())
            assert gap <= INTERVAL_S, (flight["tracker"], ours["time"], true["utc"])
            assert ground_distance_m(ours["lat"], ours["lon"], true["lat"], true["lon"]) < 500
            assert abs(ours["alt_m"] - true["alt"]) < 100
            compared += 1
        assert result["landed_beyond"] == expected["landed_beyond"], flight["tracker"]
        assert abs(result["landing_distance_m"] - abs(expected["landing_distance_m"])) < 200
    assert compared >= 5


def test_the_landing_scatter_is_the_true_landings_scatter(
    night: Night, summary: dict[str, Any]
) -> None:
    truth = night.truth["trackers"]
    lats = [t["events"]["landing_lat"] for t in truth]
    lons = [t["events"]["landing_lon"] for t in truth]
    centre = summary["landing_scatter"]["centre"]
    mean_lat, mean_lon = statistics.fmean(lats), statistics.fmean(lons)
    assert ground_distance_m(centre["lat"], centre["lon"], mean_lat, mean_lon) < 300
    pairs = zip(lats, lons, strict=True)
    distances = [ground_distance_m(mean_lat, mean_lon, a, b) for a, b in pairs]
    rms = math.sqrt(statistics.fmean(d * d for d in distances))
    assert summary["landing_scatter"]["spread_m"] == pytest.approx(rms, abs=300)
    farthest = truth[max(range(30), key=distances.__getitem__)]["callsign"]
    assert summary["landing_scatter"]["farthest"]["tracker"] == farthest


def test_the_text_summary_has_one_line_per_balloon(night: Night) -> None:
    done = gs(night.db, "campaign", "--boundary", str(night.boundary))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Campaign ") and "30 balloons" in lines[0] and "2 sites" in lines[0]
    assert any(line.startswith("Launched 30 · burst 30") for line in lines)
    rows = [line for line in lines if line.split()[1:2] and line.split()[1].startswith("EMU")]
    assert sorted(r.split()[1] for r in rows) == sorted(f"EMU{i}" for i in range(1, 31))
    beyond = [r for r in rows if " beyond" in r]
    truth = _truth_by_callsign(night)
    assert sorted(r.split()[1] for r in beyond) == sorted(
        c for c, t in truth.items() if t["boundary"]["landed_beyond"]
    )
    # It reads in a terminal 100 columns wide, as the demo's, without a line wrapping.
    assert max(len(line) for line in lines) <= 100, max(lines, key=len)
    assert any(line.strip().startswith("farthest from the centre: EMU") for line in lines)


def test_two_nights_are_two_campaigns(night: Night, tmp_path: Path) -> None:
    db = tmp_path / "two.db"
    make_night(tmp_path / "one", balloons=4, seed=3, interval=30, db=db)
    make_night(tmp_path / "two", balloons=3, seed=4, interval=30, db=db,
               start="2024-06-03T18:00:00Z")  # fmt: skip
    latest = json.loads(gs(db, "campaign", "--json").stdout)
    assert latest["counts"]["launched"] == 3
    assert latest["first_launch"].startswith("2024-06-03")
    text = gs(db, "campaign").stdout
    assert "Other campaigns:" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    first = next(f["id"] for f in json.loads(gs(db, "flights", "--json").stdout)["flights"]
                 if f["start_time"].startswith("2024-06-01"))  # fmt: skip
    earlier = json.loads(gs(db, "campaign", str(first), "--json").stdout)
    assert earlier["counts"]["launched"] == 4 and earlier["id"] == first
    # one night split in two by a short window
    split = json.loads(gs(db, "campaign", "--json", "--window", "0.1").stdout)
    assert split["counts"]["launched"] == 1
    wrong = gs(db, "campaign", "9999")
    assert wrong.returncode == 2
    assert "no campaign '9999'" in wrong.stderr and "Traceback" not in wrong.stderr


def test_the_first_balloons_winds_predict_where_the_later_ones_land(night: Night) -> None:
    """A crew uses the first balloon of the night to decide on the rest: fly each later
    balloon's plan (its site, launch time, burst altitude and rates) through the winds the
    first one measured, and compare with where it really landed."""
    truth = night.truth["trackers"]
    store = Store(night.db)
    try:
        profile = wind_profile(load_fixes(store, truth[0]["callsign"]))
    finally:
        store.close()
    errors = []
    start = _utc(night.truth["start"])
    for t in truth[1:]:
        plan = t["planned"]
        launch = PlannedLaunch(
            time=start + timedelta(seconds=t["events"]["launch_time"]),
            lat=t["launch"]["lat"],
            lon=t["launch"]["lon"],
            alt_m=t["launch"]["alt"],
            ascent_mps=plan["ascent_rate"],
            burst_alt_m=plan["burst_altitude"],
            sea_level_descent_mps=plan["descent_rate"],
        )
        landing = fly_plan(launch, profile).landing
        true_lat, true_lon = t["events"]["landing_lat"], t["events"]["landing_lon"]
        errors.append(ground_distance_m(landing.lat, landing.lon, true_lat, true_lon))
    early, late = errors[:10], errors[-10:]
    print(
        f"\nprediction from the first balloon's winds, error over 29 later launches: "
        f"median {statistics.median(errors) / 1000:.1f} km, max {max(errors) / 1000:.1f} km; "
        f"first 10 launches median {statistics.median(early) / 1000:.1f} km, "
        f"last 10 {statistics.median(late) / 1000:.1f} km"
    )
    # The winds change slowly through the night: launches soon after the first are predicted
    # well, those hours later less so.
    assert statistics.median(early) < 15_000
    assert statistics.median(early) < statistics.median(late)


def test_a_shared_campaign_map_reveals_no_launch_site(night: Night, tmp_path: Path) -> None:
    page = tmp_path / "shared.html"
    shared = ("--boundary", str(night.boundary), "--redact-radius", "5", "--offline")
    done = gs(night.db, "export", "map", "--campaign", "latest", *shared, "-o", str(page))
    assert done.returncode == 0, done.stderr
    text = page.read_text(encoding="utf-8")
    launches = [(t["launch"]["lat"], t["launch"]["lon"]) for t in night.truth["trackers"]]
    for centre in [*launches, *((s[0], s[1]) for s in SITES)]:
        assert positions_near(text, centre, 5_000) == [], centre
    # ... while the same map unredacted shows them, and both draw the fleet and the line
    plain = tmp_path / "plain.html"
    done = gs(night.db, "export", "map", "--campaign", "latest", "--boundary",
              str(night.boundary), "--offline", "-o", str(plain))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert positions_near(plain.read_text(encoding="utf-8"), launches[0], 100)
    crossings = sum(len(t["boundary"]["crossings"]) for t in night.truth["trackers"])
    for html in (text, plain.read_text(encoding="utf-8")):
        assert html.count('"className":"gs-crossing"') == crossings
        assert '"className":"gs-boundary"' in html
        assert '"className":"gs-scatter-centre"' in html


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_every_campaign_and_boundary_json_key_is_documented(night: Night) -> None:
    line = ("--boundary", str(night.boundary))
    outputs = [
        gs(night.db, "campaign", "--json", *line),
        gs(night.db, "flights", "--json", *line),
        gs(night.db, "predict", "--launch", "51.9,-0.4,60", "--time", "2024-06-01T20:00:00Z",
           "--winds", "EMU1", "--json", *line),
    ]  # fmt: skip
    keys: set[str] = set()
    for done in outputs:
        assert done.returncode == 0, done.stderr
        keys |= _keys(json.loads(done.stdout))
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("## Launch campaigns and boundaries", 1)[1].split("\n## ", 1)[0]
    flights = readme.split("## Flights and predictions", 1)[1].split("\n## ", 1)[0]
    missing = sorted(k for k in keys if f"`{k}`" not in section and f"`{k}`" not in flights)
    assert not missing, f"JSON keys not in the README: {missing}"


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_night_flown_live_on_a_port_shows_who_crossed(tmp_path: Path) -> None:
    """A new user's night: the emulator on a virtual serial port, sped up 600 times, and the
    live view on that port with the boundary, in a real terminal; afterwards ``campaign``."""
    truth, line, db = tmp_path / "truth.json", tmp_path / "line.geojson", tmp_path / "live.db"
    sim = subprocess.Popen(
        [sys.executable, "-m", "groundstation", "simulate", "--campaign", "6", "--sites",
         "52.2,0.1,30;51.9,-0.4,60", "--window", "20m", "--seed", "11", "--pty", "--speed",
         "600", "--truth", str(truth), "--boundary-out", str(line)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    session = f"gs-night-{os.getpid()}"
    try:
        assert sim.stdout is not None
        port = sim.stdout.readline().split()[-1]
        assert port.startswith("/dev/pts/"), port
        command = (f"{sys.executable} -m groundstation --db {db} live {port} --no-clock-check"
                   f" --boundary {line}")  # fmt: skip
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                        command], check=True)  # fmt: skip
        expected = json.loads(truth.read_text())["trackers"]
        crossed = sum(1 for t in expected if t["boundary"]["crossings"])
        wanted = f"{crossed} crossed · 6 landed"
        deadline = time.monotonic() + 120
        screen = ""
        while time.monotonic() < deadline and wanted not in screen:
            time.sleep(1)
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                                    capture_output=True, text=True).stdout  # fmt: skip
        assert wanted in screen, screen
        assert screen.splitlines()[0].lstrip().startswith("6 trackers")
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        sim.wait(timeout=60)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        sim.kill()
        sim.communicate()
    status = gs(db, "status", "--json")
    assert status.returncode == 0, status.stderr
    source = json.loads(status.stdout)["sources"][0]
    # Fix times run 400 times faster than the clock: none is rejected for it (at most the line
    # the port was opened in the middle of is cut short).
    assert source["ok"] > 10_000 and source["rejected"] <= 1
    assert not [r for r in source["rejects_by_reason"] if "time" in r]
    summary = json.loads(gs(db, "campaign", "--json", "--boundary", str(line)).stdout)
    assert summary["counts"]["launched"] == 6 and summary["counts"]["crossed"] == crossed
