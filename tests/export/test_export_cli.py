"""``groundstation export`` end to end: an emulated log imported into a real database."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import gpxpy
import pytest

from groundstation.cli import run

EVIL = "../<b>evil</b>\x1b[31m/x"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two trackers in our protocol, and one plain NMEA tracker with a hostile name."""
    folder = tmp_path_factory.mktemp("export-cli")
    db = folder / "flights.db"
    two, plain = folder / "two.log", folder / "plain.log"
    for args in (
        ["simulate", "--seed", "5", "--trackers", "2", "--interval", "10", "-o", str(two)],
        ["simulate", "--seed", "6", "--format", "nmea", "--interval", "10", "-o", str(plain)],
        ["--db", str(db), "import", str(two)],
        ["--db", str(db), "import", str(plain), "--tracker", EVIL],
    ):
        with pytest.raises(SystemExit) as done:
            run(args)
        assert done.value.code == 0
    return db


Runner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def gs(database: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    def call(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            run(["--db", str(database), *args])
        out, err = capsys.readouterr()
        return int(done.value.code or 0), out, err

    return call


def test_map_of_several_flights_with_default_name(
    gs: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = gs("export", "map", "EMU1", "EMU2", "--station", "52.1,0.2,20", "--offline")
    assert code == 0, err
    written = list(tmp_path.iterdir())
    assert len(written) == 1 and re.fullmatch(r"EMU1-EMU2-flight-\d+-\d+\.html", written[0].name)
    assert err.startswith(f"Wrote {written[0].name} (")
    page = written[0].read_text(encoding="utf-8")
    assert "<title>EMU1, EMU2 flights 2024-06-01</title>" in page
    assert page.count("gs-track") > 10 and "Ground station" in page


def test_a_map_names_each_flight_by_its_launch_as_flights_lists_it(
    gs: Runner, tmp_path: Path
) -> None:
    """EMU2 sat on the pad from 09:01:30 and launched at 09:02: the map's layers and summary
    must name it by its launch, as `flights` and `campaign` do, not by its first fix."""
    code, out, err = gs("flights", "--json")
    assert code == 0, err
    emu2 = next(f for f in json.loads(out)["flights"] if f["tracker"] == "EMU2")
    assert emu2["start_time"][11:16] != emu2["launch_time"][11:16]  # (not a vacuous check)
    code, _, err = gs("export", "map", "EMU2", "-o", str(tmp_path / "m.html"), "--offline")
    assert code == 0, err
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    launched = f"EMU2 {emu2['launch_time'][:10]} {emu2['launch_time'][11:16]}Z"
    assert f"<title>EMU2 flight {launched[5:]}</title>" in page
    assert page.count(launched) >= 3  # the layer, its predicted landings and the summary
    assert f"EMU2 {emu2['start_time'][:10]} {emu2['start_time'][11:16]}Z" not in page


def test_hostile_tracker_name_never_reaches_a_path(
    gs: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = gs("export", "gpx", EVIL)
    assert code == 0, err
    written = [p.name for p in tmp_path.iterdir()]
    assert len(written) == 1 and re.fullmatch(r"b_evil_b_31m_x-flight-\d+\.gpx", written[0])
    gpx = gpxpy.parse((tmp_path / written[0]).read_text(encoding="utf-8"))
    assert gpx.tracks[0].name.startswith("../<b>evil</b>")


@pytest.mark.parametrize("kind", ["gpx", "kml", "geojson", "csv"])
def test_file_formats(gs: Runner, tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"flight.{kind}"
    code, _, err = gs("export", kind, "EMU1", "-o", str(out))
    assert code == 0, err
    body = out.read_text(encoding="utf-8")
    if kind == "gpx":
        assert len(gpxpy.parse(body).tracks[0].segments[0].points) > 100
    elif kind == "kml":
        assert ET.fromstring(body).tag.endswith("kml")
    elif kind == "geojson":
        assert json.loads(body)["features"][0]["properties"]["tracker"] == "EMU1"
    else:
        assert body.splitlines()[0].startswith("tracker,flight_id,time,lat,lon,alt_m")


def test_standard_output(gs: Runner) -> None:
    code, out, _ = gs("export", "geojson", "EMU2", "-o", "-")
    assert code == 0
    assert json.loads(out)["type"] == "FeatureCollection"


@pytest.mark.parametrize(
    ("args", "status", "start"),
    [
        (("export", "map", "99"), 1, "Error: no flight '99'"),
        (("export", "csv", "nobody"), 1, "Error: no flight 'nobody'"),
        (("export", "map", "1", "--station", "95,0"), 2, "Error: Invalid value for --station"),
        (("export", "gpx", "1", "-o", "/nonexistent/x.gpx"), 1, "Error: cannot write"),
        (("export", "kml"), 2, "Error: Missing argument 'ID'"),
    ],
)
def test_errors_are_one_plain_sentence(
    gs: Runner, args: tuple[str, ...], status: int, start: str
) -> None:
    code, out, err = gs(*args)
    assert code == status
    assert out == ""
    assert err.startswith(start) and err.count("\n") == 1


def test_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        run(["--db", str(tmp_path / "none.db"), "export", "map", "latest"])
    assert done.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: no database at") and err.count("\n") == 1
    assert not (tmp_path / "none.db").exists()


def test_every_command_has_help_with_an_example() -> None:
    from groundstation.cli_export import export

    for name, command in export.commands.items():
        assert command.help and "Example: groundstation export" in command.help, name
