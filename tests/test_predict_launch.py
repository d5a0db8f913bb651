"""``predict --launch``: a launch not yet made, flown through another flight's winds, against
the emulator's truth; and ``flights``/``flight --boundary``.

Two balloons of one emulator run (seed 4) fly 90 s apart in the same seeded wind. The first
one's measured winds predict the second one's landing, as a crew would use the first balloon
of a night to decide on the rest. Measured (seed 4): the prediction lands about 2 km from
where the second balloon landed, about 4 minutes late (the planned 5 m/s ascent is a little
slower than the emulator's), well inside the ensemble's spread.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from firmware_protocol.emulator.config import SimulationConfig
from firmware_protocol.emulator.flight import wind_for
from groundstation.cli import main
from groundstation.flight.geo import ground_distance_m

SEED = 4


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Two emulated balloons imported into a real database, and the emulator's truth."""
    folder = tmp_path_factory.mktemp("planned")
    log, truth = folder / "two.log", folder / "truth.json"
    runner = CliRunner()
    made = runner.invoke(
        main,
        ["simulate", "--trackers", "2", "--seed", str(SEED), "--interval", "5", "-o", str(log)]
        + ["--truth", str(truth)],
    )
    assert made.exit_code == 0, made.output
    db = folder / "night.db"
    imported = runner.invoke(main, ["--db", str(db), "import", str(log)])
    assert imported.exit_code == 0, imported.output
    return db, json.loads(truth.read_text())


def run(db: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result


def planned(db: Path, truth: dict[str, Any], index: int, *extra: str) -> dict[str, Any]:
    """``predict --json`` for the launch of balloon ``index`` as it was flown (site, time)."""
    site = truth["trackers"][index]["launch"]
    when = truth["trackers"][index]["events"]["launch_utc"]
    args = ["predict", "--launch", f"{site['lat']},{site['lon']},{site['alt']}", "--time", when]
    return json.loads(run(db, *args, *extra, "--json").output)  # type: ignore[no-any-return]


def landing_error(report: dict[str, Any], truth: dict[str, Any], index: int) -> tuple[float, float]:
    """Metres and seconds from the predicted landing to balloon ``index``'s true landing."""
    events = truth["trackers"][index]["events"]
    landing = report["landing"]
    metres = ground_distance_m(
        landing["lat"], landing["lon"], events["landing_lat"], events["landing_lon"]
    )
    predicted = datetime.fromisoformat(landing["time"].replace("Z", "+00:00"))
    seconds = (predicted - datetime.fromisoformat(events["landing_utc"])).total_seconds()
    return metres, seconds


def test_the_first_balloons_winds_predict_the_second_ones_landing(
    night: tuple[Path, dict[str, Any]],
) -> None:
    db, truth = night
    report = planned(db, truth, 1, "--winds", "EMU1")
    metres, seconds = landing_error(report, truth, 1)
    print(f"planned-launch error from EMU1's winds: {metres:.0f} m, {seconds:+.0f} s")
    assert report["winds"]["source"] == "flight" and report["winds"]["tracker"] == "EMU1"
    flown = report["launch_to_landing_m"]
    assert flown > 50_000  # the balloons drift about 100 km: a real test of the winds
    assert metres < 5_000
    assert abs(seconds) < 600
    ensemble = report["ensemble"]
    assert ensemble["members"] == 27
    assert metres < ensemble["spread_max_m"]
    assert ensemble["earliest_landing"] < report["landing"]["time"] < ensemble["latest_landing"]


def test_a_sounding_file_of_the_true_winds(
    night: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """The emulator's own wind, written as a sounding (speed, direction blown FROM)."""
    db, truth = night
    wind = wind_for(SimulationConfig(seed=SEED))
    sounding = tmp_path / "sounding.csv"
    with sounding.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["altitude_m", "speed_mps", "direction_from_deg"])
        for alt in range(0, 36_000, 250):
            east, north = wind.velocity(alt)
            from_deg = math.degrees(math.atan2(-east, -north)) % 360
            out.writerow([alt, f"{math.hypot(east, north):.3f}", f"{from_deg:.2f}"])
    report = planned(db, truth, 0, "--winds", str(sounding), "--ascent", "5.23")
    metres, seconds = landing_error(report, truth, 0)
    print(f"planned-launch error from the true sounding: {metres:.0f} m, {seconds:+.0f} s")
    assert report["winds"]["source"] == "sounding file"
    assert metres < 3_000
    assert abs(seconds) < 300


def test_a_track_file_gives_the_winds_too(
    night: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    db, truth = night
    track = tmp_path / "track.csv"
    points = truth["trackers"][0]["points"]
    with track.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["time", "lat", "lon", "alt"])
        for p in points[::5]:
            out.writerow([p["utc"], p["lat"], p["lon"], p["alt"]])
    report = planned(db, truth, 1, "--winds", str(track))
    metres, _ = landing_error(report, truth, 1)
    print(f"planned-launch error from EMU1's true track as a file: {metres:.0f} m")
    assert report["winds"]["source"] == "track file"
    assert metres < 5_000


def line_at(path: Path, lon: float, name: str) -> Path:
    """A north-south line (drawn northward) at a longitude across the balloons' drift."""
    feature = {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "LineString", "coordinates": [[lon, 51.0], [lon, 54.0]]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def test_boundaries_a_plan_crosses_and_one_it_does_not(
    night: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    db, truth = night
    near = line_at(tmp_path / "near.geojson", 1.0, "near")
    far = line_at(tmp_path / "far.geojson", 3.0, "far")
    report = planned(
        db, truth, 1, "--winds", "EMU1", "--boundary", str(near), "--boundary", str(far)
    )
    crossed, missed = report["boundaries"]
    # drawn northward, so east of the line is its right: the balloons drift east
    assert (crossed["name"], crossed["launch_side"], crossed["landing_side"]) == (
        "near",
        "left",
        "right",
    )
    assert crossed["crosses"] and crossed["lands_beyond"]
    assert [c["direction"] for c in crossed["crossings"]] == ["left to right"]
    assert crossed["ensemble_crossing_fraction"] == 1.0
    assert crossed["ensemble_beyond_fraction"] == 1.0
    assert not missed["crosses"] and not missed["lands_beyond"]
    assert missed["ensemble_crossing_fraction"] == 0.0
    assert missed["landing_distance_m"] > 100_000
    text = run(db, "predict", "--launch", "52.2,0.1,30", "--winds", "EMU1", "--boundary", str(near))
    assert "near: crosses and lands beyond it" in text.output


def true_crossing_time(points: list[dict[str, Any]], lon: float) -> datetime:
    for a, b in zip(points, points[1:], strict=False):
        if a["lon"] < lon <= b["lon"]:
            f = (lon - a["lon"]) / (b["lon"] - a["lon"])
            start = datetime.fromisoformat(a["utc"])
            end = datetime.fromisoformat(b["utc"])
            return start + (end - start) * float(f)
    raise AssertionError("never crossed")


def test_flights_report_each_crossing_and_the_landing_side(
    night: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    db, truth = night
    near = line_at(tmp_path / "near.geojson", 1.0, "near")
    listed = json.loads(run(db, "flights", "--boundary", str(near), "--json").output)
    for index, flight in enumerate(listed["flights"]):
        [report] = flight["boundaries"]
        [crossing] = report["crossings"]
        when = datetime.fromisoformat(crossing["time"].replace("Z", "+00:00"))
        expected = true_crossing_time(truth["trackers"][index]["points"], 1.0)
        assert abs((when - expected).total_seconds()) < 5  # fixes every 5 s, up to 1 s late
        assert crossing["lon"] == pytest.approx(1.0, abs=1e-6)
        assert crossing["direction"] == "left to right"
        assert report["launch_side"] == "left" and report["landing_side"] == "right"
        events = truth["trackers"][index]["events"]
        beyond_m = ground_distance_m(
            events["landing_lat"], 1.0, events["landing_lat"], events["landing_lon"]
        )
        assert report["landing_distance_m"] == pytest.approx(beyond_m, rel=0.01)
    detail = run(db, "flight", "EMU2", "--boundary", str(near)).output
    assert "near: crossed 1x, landed right" in detail
    assert "left to right" in detail


def test_the_config_files_boundaries_are_the_default(
    night: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    db, _ = night
    line_at(tmp_path / "border.geojson", 1.0, "from config")
    config = tmp_path / "groundstation.toml"
    config.write_text('[boundary]\nfiles = ["border.geojson"]\n')
    out = run(db, "flights", "--config", str(config)).output
    assert out.count("from config: crossed 1x") == 2


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--launch", "52.2"], "is not LAT,LON[,ALT]"),
        (["--launch", "95,0"], "latitude 95 is outside"),
        (["--launch", "52.2,0.1"], "needs --winds"),
        (["--launch", "52.2,0.1", "--winds", "NOSUCH"], "neither a wind file nor a flight"),
        (["--launch", "52.2,0.1", "--winds", "EMU1", "--time", "soon"], "not an ISO 8601"),
        (["--launch", "52.2,0.1", "--winds", "EMU1", "--burst", "10"], "must be above the launch"),
        (["--launch", "52.2,0.1", "--winds", "EMU1", "--ascent", "99"], "0.5<=x<=20"),
        (["--launch", "52.2,0.1", "--winds", "EMU1", "EMU2"], "not both"),
        (["EMU1", "--winds", "EMU1"], "--winds is for a planned launch"),
        (["EMU1", "--time", "2024-06-01T09:00:00Z"], "--time is for a planned launch"),
        ([], "give a flight ID, or --launch"),
    ],
)
def test_bad_arguments_get_one_sentence(
    night: tuple[Path, dict[str, Any]], args: list[str], words: str
) -> None:
    db, _ = night
    result = CliRunner().invoke(main, ["--db", str(db), "predict", *args])
    assert result.exit_code == 2, result.output
    assert words in result.output


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("altitude,speed,direction\n0,5,270\n1000,abc,270\n", "line 3 of the wind file"),
        ("0,5,400\n", "has direction '400'"),
        ("0,5\n", "needs 3 (altitude,speed,direction) or 4"),
        ("time,lat,lon,alt\nyesterday,52,0,100\n", "not ISO 8601"),
        ("0,5,270\n0,6,270\n", "altitude 0 m twice"),
        ("altitude,speed,direction\n", "holds no rows"),
    ],
)
def test_bad_wind_files(
    night: tuple[Path, dict[str, Any]], tmp_path: Path, content: str, words: str
) -> None:
    db, _ = night
    winds = tmp_path / "winds.csv"
    winds.write_text(content)
    result = CliRunner().invoke(
        main, ["--db", str(db), "predict", "--launch", "52.2,0.1", "--winds", str(winds)]
    )
    assert result.exit_code == 2, result.output
    assert words in result.output and str(winds) in result.output


def test_a_bad_boundary_file_is_one_sentence(
    night: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    db, _ = night
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "Point", "coordinates": [0, 0]}')
    for args in (
        ["flights"],
        ["flight", "EMU1"],
        ["predict", "--launch", "52,0", "--winds", "EMU1"],
    ):
        result = CliRunner().invoke(main, ["--db", str(db), *args, "--boundary", str(bad)])
        assert result.exit_code == 1, result.output
        assert "is a Point, but a boundary must be" in result.output
