"""``export ... --redact-radius KM``: a shared file says nothing of where the crew launches from
or where its station stands.

The flights are emulated and imported into a real database through the command line; every
export format is written with and without redaction, and every pair of neighbouring numbers in
the file is read as a position (both ways round): none may lie within the radius of a launch
site or the station. The unredacted files are checked the same way, to show the search finds
those positions when they are there.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from campaign_kit import NUMBER, positions_near

from groundstation.flight import ground_distance_m

LAUNCH = (51.87361, -1.04519)
STATION = (51.70312, -1.20476)  # about 22 km south-west: the balloons drift east
RADIUS_KM = 5.0


def gs(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "groundstation", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("redact")
    log = folder / "flights.log"
    made = subprocess.run(
        [sys.executable, "-m", "groundstation", "simulate", "--trackers", "2", "--seed", "5",
         "--interval", "5", "--launch", f"{LAUNCH[0]},{LAUNCH[1]},90", "-o", str(log)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    database = folder / "flights.db"
    imported = gs(database, "import", str(log))
    assert imported.returncode == 0, imported.stderr
    return database


def export(db: Path, out: Path, kind: str, *extra: str) -> str:
    ident = [] if kind == "map" and "--campaign" in extra else ["1"]
    done = gs(db, "export", kind, *ident, "--station", f"{STATION[0]},{STATION[1]}",
              "-o", str(out), *extra)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out.read_text(encoding="utf-8")


FORMATS = [("map", "html"), ("gpx", "gpx"), ("kml", "kml"), ("geojson", "geojson"),
           ("csv", "csv")]  # fmt: skip


@pytest.mark.parametrize(("kind", "suffix"), FORMATS)
def test_a_redacted_file_holds_no_position_near_the_launch_or_the_station(
    db: Path, tmp_path: Path, kind: str, suffix: str
) -> None:
    plain = export(db, tmp_path / f"plain.{suffix}", kind)
    assert positions_near(plain, LAUNCH, RADIUS_KM * 1000), "the search must find the launch"
    shared = export(db, tmp_path / f"shared.{suffix}", kind, "--redact-radius", str(RADIUS_KM))
    for centre in (LAUNCH, STATION):
        assert positions_near(shared, centre, RADIUS_KM * 1000) == []
    # The station is left out whatever the distance, in any precision it could be written in
    # (its longitude: the balloons drift east of the launch, the station is to the west).
    for digits in (3, 4, 5, 6):
        assert f"{STATION[1]:.{digits}f}" not in shared
    if kind in ("map", "geojson"):
        assert f"{STATION[1]:.5f}" in plain
    # What is left is still the flight: positions beyond the circle, to its landing.
    numbers = [float(m) for m in NUMBER.findall(shared)]
    assert len(numbers) > 20
    far = [
        (a, b)
        for a, b in zip(numbers, numbers[1:], strict=False)
        if abs(a - LAUNCH[0]) < 2 and abs(b - LAUNCH[1]) < 3
        and ground_distance_m(a, b, *LAUNCH) > RADIUS_KM * 1000
    ]  # fmt: skip
    assert far


def test_redaction_drops_the_launch_marker_and_says_so_on_the_map(db: Path, tmp_path: Path) -> None:
    shared = export(db, tmp_path / "shared.html", "map", "--redact-radius", "5")
    assert "First shared fix" in shared
    assert "Nothing within 5 km of a launch site or the station is shown" in shared
    assert '"Launch' not in shared
    assert "gs-station" not in shared
    assert "From launch" not in shared


def test_a_redaction_radius_that_leaves_nothing_is_one_plain_sentence(
    db: Path, tmp_path: Path
) -> None:
    done = gs(db, "export", "gpx", "1", "--redact-radius", "900", "-o", str(tmp_path / "x.gpx"))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "nothing left to share" in done.stderr
    assert not (tmp_path / "x.gpx").exists()
    bad = gs(db, "export", "gpx", "1", "--redact-radius", "-2")
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


def test_positions_near_reads_every_way_a_position_is_written() -> None:
    lat, lon = LAUNCH
    for text in (
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}">',
        f"[{lat:.6f}, {lon:.6f}]",
        f"{lon:.6f},{lat:.6f},120.0",
        f"2024-06-01T09:00:00.000Z,{lat:.5f},{lon:.5f},90.0",
        f"Position</th><td>{lat:.5f}, {lon:.5f}",
    ):
        assert positions_near(text, LAUNCH, 10.0), text
    assert not positions_near(f"[{lat + 0.1:.6f}, {lon:.6f}]", LAUNCH, 5000.0)
    assert math.isclose(ground_distance_m(lat + 0.1, lon, lat, lon), 11_120, rel_tol=0.01)
