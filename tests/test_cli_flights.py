"""``groundstation flights``, ``flight`` and ``predict`` on emulated flights in a real database."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flight.emulated import Emulated, emulated, import_log

from groundstation.cli import main
from groundstation.flight import ground_distance_m, initial_bearing_deg
from groundstation.models import Decoded, RawLine, StationFix
from groundstation.store.database import Store, iso

REPO = Path(__file__).resolve().parents[1]


def run(db: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(main, ["--db", str(db), *args])


def ok(db: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = run(db, *args, env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(db: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return json.loads(ok(db, *args, "--json", env=env))


@pytest.fixture(scope="module")
def flights_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Emulated, Emulated]:
    """Two trackers' flights: EMU1 (our protocol) and NMEA3 (plain NMEA), in one database."""
    logs = tmp_path_factory.getbasetemp() / "emulated"  # shared with tests/flight
    ours, nmea = emulated("clean", logs), emulated("seed3", logs)
    db = tmp_path_factory.mktemp("cli-flights") / "flights.db"
    import_log(db, ours.log, nmea.log, tracker="NMEA3")
    return db, ours, nmea


@pytest.fixture
def writable(flights_db: tuple[Path, Emulated, Emulated], tmp_path: Path) -> Path:
    """A copy of the flights database that a test may change."""
    target = tmp_path / "copy.db"
    with sqlite3.connect(flights_db[0]) as source, sqlite3.connect(target) as copied:
        source.backup(copied)
    source.close()
    copied.close()
    return target


def test_flights_lists_each_flight(flights_db: tuple[Path, Emulated, Emulated]) -> None:
    db, ours, nmea = flights_db
    report = as_json(db, "flights")
    assert report["station"] is None
    rows = {f["tracker"]: f for f in report["flights"]}
    assert set(rows) == {"EMU1", "NMEA3"}
    for em in (ours, nmea):
        row = rows[em.tracker()]
        events = em.truth().events
        assert row["status"] == "landed" and row["end_reason"] == "landed"
        assert events.burst_alt is not None and events.burst_time is not None
        assert abs(row["burst_altitude_m"] - events.burst_alt) < 100
        assert abs(row["max_altitude_m"] - events.burst_alt) < 100
        burst = datetime.fromisoformat(row["burst_time"])
        assert abs((burst - em.utc(events.burst_time)).total_seconds()) < 30
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row["launch_time"])
        assert row["landing_time"].endswith("Z") and row["landing_lat"] and row["landing_lon"]
        assert row["fix_count"] > 1000 and row["packets_lost"] == 0
        assert row["station_view"] is None
    text = ok(db, "flights")
    header, *lines = text.splitlines()
    assert header.split() == ["ID", "TRACKER", "LAUNCH", "(UTC)", "MAX", "ALT", "END"]
    in_order = sorted(rows.values(), key=lambda r: r["launch_time"])  # listed by launch
    for line, row in zip(lines, in_order, strict=True):
        assert row["tracker"] in line and row["launch_time"] in line and "landed" in line
        assert f"{row['max_altitude_m']:,.0f} m" in line


def test_flight_shows_one_flight_in_full(flights_db: tuple[Path, Emulated, Emulated]) -> None:
    db, ours, _ = flights_db
    report = as_json(db, "flight", "EMU1")
    assert report["tracker"] == "EMU1"
    assert as_json(db, "flight", str(report["id"])) == report
    assert [p["phase"] for p in report["phases"]] == ["pre-launch", "ascent", "descent", "landed"]
    assert sum(p["fix_count"] for p in report["phases"]) == report["fix_count"]
    assert [b["bottom_m"] for b in report["band_rates"]] == [0, 5000, 10000, 15000, 20000, 25000]
    assert all(b["ascent_rate_mps"] == pytest.approx(5.2, abs=0.5) for b in report["band_rates"])
    assert report["now"]["vertical_rate_mps"] == pytest.approx(0, abs=0.5)
    assert report["station"] is None and report["station_view"] is None
    text = ok(db, "flight", "EMU1")
    assert text.startswith(f"Flight {report['id']}: EMU1, landed")
    for expected in (
        f"burst      {report['burst_time']}",
        f"{report['burst_altitude_m']:,.0f} m",
        f"landing    {report['landing_time']}",
        "phases:",
        "rates by altitude band",
        "station    unknown",
    ):
        assert expected in text, expected


def test_latest_and_tracker_names_pick_flights(flights_db: tuple[Path, Emulated, Emulated]) -> None:
    db, _, _ = flights_db
    listed = as_json(db, "flights")["flights"]
    latest = max(listed, key=lambda f: f["launch_time"])
    assert as_json(db, "flight", "latest")["id"] == latest["id"]
    assert as_json(db, "flight", "NMEA3")["tracker"] == "NMEA3"


def test_station_geometry_is_shown_for_a_station(
    flights_db: tuple[Path, Emulated, Emulated],
) -> None:
    db, ours, _ = flights_db
    launch = ours.truth()
    station = f"{launch.launch_lat},{launch.launch_lon},{launch.ground_alt}"
    report = as_json(db, "flight", "EMU1", "--station", station)
    assert report["station"] == {
        "lat": launch.launch_lat,
        "lon": launch.launch_lon,
        "alt_m": launch.ground_alt,
        "source": "command line",
        "time": None,
    }
    view = report["station_view"]
    assert view["time"] == report["last_time"]
    # from the launch site, the landed balloon lies where the flight went
    distance = ground_distance_m(
        launch.launch_lat, launch.launch_lon, report["last_lat"], report["last_lon"]
    )
    assert view["ground_range_m"] == pytest.approx(distance, rel=1e-6)
    assert view["slant_range_m"] == pytest.approx(distance, rel=0.01)
    bearing = initial_bearing_deg(
        launch.launch_lat, launch.launch_lon, report["last_lat"], report["last_lon"]
    )
    assert view["azimuth_deg"] == pytest.approx(bearing, abs=0.5)
    assert -2 < view["elevation_deg"] < 0  # 100 km away, below the horizon's plane
    text = ok(db, "flight", "EMU1", "--station", station)
    assert "station    52.20000, 0.10000, 30 m (command line)" in text
    assert f"ground range {view['ground_range_m'] / 1000:.1f} km" in text
    assert f"azimuth {view['azimuth_deg']:.1f} deg" in text
    assert f"elevation {view['elevation_deg']:.1f} deg" in text
    listing = ok(db, "flights", "--station", station)
    assert listing.startswith("Station: 52.20000, 0.10000, 30 m (command line)")
    assert listing.count("from station: ground range") == 2


def _add_station_fix(db: Path, when: datetime, lat: float, lon: float) -> None:
    store = Store(db)
    try:
        source = store.register_source("serial:/dev/gps", "/dev/gps", "serial")
        raw = RawLine(source.key, source.next_line_no, when, b"$GPGGA,station")
        store.write([Decoded(raw, "ok", records=(StationFix(when, lat, lon, 12.0),))])
    finally:
        store.close()


def test_station_comes_from_the_option_else_its_gps_else_the_config(
    flights_db: tuple[Path, Emulated, Emulated], writable: Path, tmp_path: Path
) -> None:
    _, ours, _ = flights_db
    config = tmp_path / "station.toml"
    config.write_text("[station]\nlat = 51.5\nlon = 0.5\nalt_m = 40\n\n[other]\nkey = 1\n")

    def source(*args: str, env: dict[str, str] | None = None) -> str:
        return str(as_json(writable, "flight", "EMU1", *args, env=env)["station"]["source"])

    assert source("--config", str(config)) == f"config file {config}"
    assert source(env={"GROUNDSTATION_CONFIG": str(config)}) == f"config file {config}"
    end = datetime.fromisoformat(as_json(writable, "flight", "EMU1")["end_time"])
    _add_station_fix(writable, end - timedelta(minutes=15), 51.6, 0.6)
    assert source("--config", str(config)) == f"config file {config}"  # 15 min old: stale
    _add_station_fix(writable, end - timedelta(minutes=2), 51.7, 0.7)
    assert source("--config", str(config)) == "station GPS"
    report = as_json(writable, "flight", "EMU1", "--config", str(config))
    assert report["station"]["lat"] == 51.7
    assert report["station"]["time"] == iso(end - timedelta(minutes=2))
    assert source("--config", str(config), "--station", "52,0") == "command line"


def test_predict_from_5_km_up_in_descent(flights_db: tuple[Path, Emulated, Emulated]) -> None:
    db, ours, _ = flights_db
    truth = ours.truth()
    at = iso(ours.descent_time_at(truth.ground_alt + 5_000))
    report = as_json(db, "predict", "EMU1", "--at", at)
    assert report["kind"] == "descent" and report["phase"] == "descent"
    assert report["at"] == at and report["made_at"] <= at
    landing, path = report["landing"], report["path"]
    assert set(landing) == {"time", "lat", "lon", "alt_m"}
    assert all(set(p) == {"time", "lat", "lon", "alt_m"} for p in path)
    assert path[0]["time"] == report["made_at"] and path[-1] == landing
    assert all(a["alt_m"] > b["alt_m"] for a, b in zip(path, path[1:], strict=False))
    assert landing["alt_m"] == pytest.approx(truth.ground_alt, abs=15)
    assert report["burst_altitude_m"] == pytest.approx(30_000, abs=100)
    events = truth.events
    assert events.landing_lat is not None and events.landing_lon is not None
    ours_m = ground_distance_m(
        landing["lat"], landing["lon"], events.landing_lat, events.landing_lon
    )
    naive = report["naive"]["landing"]
    naive_m = ground_distance_m(naive["lat"], naive["lon"], events.landing_lat, events.landing_lon)
    message = f"predict --at 5 km up: ours {ours_m:.0f} m, naive {naive_m:.0f} m from the landing"
    print(message)
    assert ours_m < 1_000 and ours_m < naive_m, message
    text = ok(db, "predict", "EMU1", "--at", at)
    assert f"made from the fix at {report['made_at']} (descent, descent prediction)" in text
    assert f"landing    {landing['time']} at {landing['lat']:.5f}, {landing['lon']:.5f}" in text
    assert f"naive      {naive['time']} at {naive['lat']:.5f}" in text
    assert text.count("\n    20") == len(path)  # one line per path point


def test_predict_during_ascent_climbs_to_the_burst_altitude_and_shows_an_abort(
    flights_db: tuple[Path, Emulated, Emulated],
) -> None:
    db, ours, _ = flights_db
    at = iso(ours.utc(1800))
    report = as_json(db, "predict", "EMU1", "--at", at, "--burst-altitude", "25000")
    assert report["kind"] == "ascent" and report["phase"] == "ascent"
    assert report["burst"]["alt_m"] == pytest.approx(25_000) == report["burst_altitude_m"]
    assert max(p["alt_m"] for p in report["path"]) == pytest.approx(25_000)
    assert report["abort"]["landing"]["time"] < report["landing"]["time"]
    assert report["sea_level_descent_mps"] == 5.0
    slower = as_json(db, "predict", "EMU1", "--at", at, "--descent-rate", "4")
    assert slower["sea_level_descent_mps"] == 4.0
    assert slower["landing"]["time"] > report["landing"]["time"]
    text = ok(db, "predict", "EMU1", "--at", at)
    assert "abort      " in text and "(if it burst now)" in text


def test_predict_after_landing_says_there_is_nothing_to_predict(
    flights_db: tuple[Path, Emulated, Emulated],
) -> None:
    db, _, _ = flights_db
    result = run(db, "predict", "NMEA3")
    assert result.exit_code == 1
    assert "was not in the air at" in result.stderr and "(landed)" in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["flight", "42"], "Error: Invalid value for ID: no flight '42': give a flight id,"),
        (["predict", "NOBODY"], "Error: Invalid value for ID: no flight 'NOBODY'"),
        (["predict", "latest", "--at", "noon"], "Error: Invalid value for '--at': 'noon' is not"),
        (
            ["predict", "EMU1", "--at", "2020-01-01T00:00:00Z"],
            "Error: Invalid value for '--at': flight 1 (EMU1) had not started by",
        ),
        (["flights", "--station", "52.2"], "Error: Invalid value for '--station': '52.2' is not"),
        (
            ["flight", "latest", "--station", "52,200,10"],
            "Error: Invalid value for '--station': '52,200,10': longitude 200 is outside",
        ),
    ],
)
def test_wrong_arguments_get_one_plain_sentence(
    flights_db: tuple[Path, Emulated, Emulated], args: list[str], message: str
) -> None:
    result = run(flights_db[0], *args)
    assert result.exit_code == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(message)  # after click's usage lines


def test_a_wrong_id_is_one_sentence_from_the_real_command(tmp_path: Path) -> None:
    Store(tmp_path / "x.db").close()
    unknown = subprocess.run(
        [sys.executable, "-m", "groundstation", "--db", str(tmp_path / "x.db"), "predict", "42"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "GROUNDSTATION_CONFIG": ""},
    )
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.startswith("Error: Invalid value for ID: no flight '42': give")
    assert len(unknown.stderr.splitlines()) == 1


def test_problems_with_files_are_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GROUNDSTATION_CONFIG", raising=False)
    db = tmp_path / "x.db"
    missing = run(db, "flights")
    assert missing.exit_code == 1
    assert missing.stderr == f"Error: no database at {db}: import or listen first\n"
    Store(db).close()
    assert run(db, "flights").stdout == "No flights yet.\n"
    (tmp_path / "groundstation.toml").write_text("[station]\nlat = 'north'\n")
    bad = run(db, "flights")
    assert bad.exit_code == 1
    assert bad.stderr == "Error: groundstation.toml [station]: lat must be a number, not 'north'\n"
    (tmp_path / "groundstation.toml").write_text("[prediction]\nburst_altitude = 3\n")
    typo = run(db, "flights")
    assert typo.exit_code == 1 and "unknown key 'burst_altitude' in [prediction]" in typo.stderr
    (tmp_path / "groundstation.toml").write_text("[station\n")
    broken = run(db, "flights")
    assert broken.exit_code == 1
    assert broken.stderr.startswith("Error: the configuration file groundstation.toml is not valid")


def test_tracker_names_are_shown_escaped(
    flights_db: tuple[Path, Emulated, Emulated], tmp_path: Path
) -> None:
    _, _, nmea = flights_db
    db = tmp_path / "evil.db"
    import_log(db, nmea.log, tracker="EV\x1b[2JIL")
    for args in (["flights"], ["flight", "latest"], ["predict", "latest"]):
        result = run(db, *args, "--station", "52,0")
        assert "\x1b" not in result.output, args
        assert "EV\\x1b[2JIL" in result.output, args
    assert as_json(db, "flights")["flights"][0]["tracker"] == "EV\x1b[2JIL"


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_every_json_key_and_flights_column_is_documented(
    flights_db: tuple[Path, Emulated, Emulated],
) -> None:
    db, ours, _ = flights_db
    station = ["--station", "52.2,0.1,30"]
    at = iso(ours.utc(1800))
    keys = (
        _keys(as_json(db, "flights", *station))
        | _keys(as_json(db, "flight", "EMU1", *station))
        | _keys(as_json(db, "predict", "EMU1", "--at", at, *station))
    )
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Flights and predictions", 1)[1].split("\n## ", 1)[0]
    missing = sorted(k for k in keys if f"`{k}`" not in section)
    assert not missing, f"JSON keys not in the README's Flights and predictions: {missing}"
    schema = (REPO / "docs" / "schema.md").read_text()
    table = schema.split("## `flights`", 1)[1].split("\n## ", 1)[0]
    con = sqlite3.connect(db)
    try:
        columns = [r[1] for r in con.execute("PRAGMA table_info(flights)")]
    finally:
        con.close()
    undocumented = [c for c in columns if f"`{c}`" not in table]
    assert columns and not undocumented, f"flights columns not in docs/schema.md: {undocumented}"


def test_the_stored_flights_are_those_listed(flights_db: tuple[Path, Emulated, Emulated]) -> None:
    db, _, _ = flights_db
    listed = as_json(db, "flights")["flights"]
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT f.id, t.name, f.launch_time, f.max_altitude_m, f.updated_at FROM flights f"
            " JOIN trackers t ON t.id = f.tracker_id ORDER BY f.key_time"
        ).fetchall()
    finally:
        con.close()
    assert [
        (f["id"], f["tracker"], f["launch_time"], f["max_altitude_m"], f["updated_at"])
        for f in listed
    ] == rows
    assert all(r[4] <= iso(datetime.now(UTC)) for r in rows)


def test_station_positions_and_config_files_are_read_plainly(tmp_path: Path) -> None:
    from groundstation.config import ConfigError, find_config_path, load_config, parse_station

    assert parse_station(" 52.2, 0.1 ") == parse_station("52.2,0.1")
    assert parse_station("-33.9,18.4,12").alt_m == 12.0
    for bad in ("52.2", "a,b", "52,0,1,2", "91,0", "nan,0"):
        with pytest.raises(ConfigError):
            parse_station(bad)
    named = tmp_path / "named.toml"
    named.write_text("[station]\nlat = 1\nlon = 2\nalt = 3\n[live]\nstale_after_s = 120\n")
    (tmp_path / "groundstation.toml").write_text("[prediction]\nburst_altitude_m = 28000\n")
    env = {"GROUNDSTATION_CONFIG": str(named)}
    assert find_config_path(None, env={}, cwd=tmp_path) == tmp_path / "groundstation.toml"
    assert find_config_path(None, env=env, cwd=tmp_path) == named
    assert find_config_path(named, env={}, cwd=tmp_path) == named
    assert find_config_path(None, env={}, cwd=tmp_path / "elsewhere") is None
    with pytest.raises(ConfigError, match="does not exist"):
        find_config_path(None, env={"GROUNDSTATION_CONFIG": str(tmp_path / "gone.toml")})
    config = load_config(None, env=env)
    assert config.station is not None and (config.station.lat, config.station.alt_m) == (1, 3)
    assert config.stale_after_s == 120 and config.burst_altitude_m is None
    assert load_config(None, env={}, cwd=tmp_path).burst_altitude_m == 28_000


@pytest.mark.slow
@pytest.mark.parametrize("log", sorted((REPO / "sample_logs").glob("*.log")), ids=lambda p: p.name)
def test_every_sample_log_has_its_flights_and_predictions(log: Path, tmp_path: Path) -> None:
    db = tmp_path / "sample.db"
    import_log(db, log)
    listed = as_json(db, "flights")["flights"]
    assert listed and all(f["status"] == "landed" for f in listed)
    assert all(abs(f["burst_altitude_m"] - 30_000) < 100 for f in listed)
    for f in listed:
        full = as_json(db, "flight", str(f["id"]), "--station", "52.2,0.1,30")
        assert full["station_view"]["ground_range_m"] > 0
        launch = datetime.fromisoformat(f["launch_time"])
        landing = datetime.fromisoformat(f["landing_time"])
        climbing = as_json(
            db, "predict", str(f["id"]), "--at", iso(launch + (landing - launch) / 3)
        )
        assert climbing["kind"] == "ascent" and climbing["abort"] is not None
        assert max(p["alt_m"] for p in climbing["path"]) == pytest.approx(30_000)
        # about 4 km up in the descent
        at = landing - (landing - launch) / 10
        report = as_json(db, "predict", str(f["id"]), "--at", iso(at))
        assert report["kind"] == "descent"
        error = ground_distance_m(
            report["landing"]["lat"], report["landing"]["lon"], f["landing_lat"], f["landing_lon"]
        )
        assert error < 1_000, f"{log.name} flight {f['id']} at {iso(at)}: {error:.0f} m"
