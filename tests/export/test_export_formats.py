"""GPX, KML, GeoJSON and CSV exports parse back to the flight's own points."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import gpxpy
import pytest
from export_kit import HOSTILE

from groundstation.export import FlightExport, Station, to_csv, to_geojson, to_gpx, to_kml
from groundstation.export.safe import csv_text, safe_filename

KML = "{http://www.opengis.net/kml/2.2}"


def test_gpx_has_every_fix_with_time_and_elevation(two_flights: list[FlightExport]) -> None:
    export = two_flights[0]
    gpx = gpxpy.parse(to_gpx(export).decode("utf-8"))
    points = gpx.tracks[0].segments[0].points
    fixes = export.flight.fixes
    assert len(points) == len(fixes)
    for point, fix in zip(points, fixes, strict=True):
        assert point.latitude == pytest.approx(fix.lat, abs=1e-7)
        assert point.longitude == pytest.approx(fix.lon, abs=1e-7)
        assert point.elevation == pytest.approx(fix.alt_m, abs=0.05)
        assert point.time is not None and abs((point.time - fix.time).total_seconds()) < 0.001
    kinds = [w.type for w in gpx.waypoints]
    assert kinds == ["launch", "burst", "landing"]
    assert gpx.waypoints[1].elevation == pytest.approx(export.flight.burst.alt_m, abs=0.05)  # type: ignore[union-attr]


def test_kml_is_an_extruded_absolute_track(two_flights: list[FlightExport]) -> None:
    export = two_flights[1]
    root = ET.fromstring(to_kml(export))
    line = root.find(f"{KML}Document/{KML}Placemark/{KML}LineString")
    assert line is not None
    assert line.findtext(f"{KML}extrude") == "1"
    assert line.findtext(f"{KML}altitudeMode") == "absolute"
    coords = [c.split(",") for c in (line.findtext(f"{KML}coordinates") or "").split()]
    fixes = export.flight.fixes
    assert len(coords) == len(fixes)
    for (lon, lat, alt), fix in zip(coords, fixes, strict=True):
        assert float(lat) == pytest.approx(fix.lat, abs=1e-7)
        assert float(lon) == pytest.approx(fix.lon, abs=1e-7)
        assert float(alt) == pytest.approx(fix.alt_m, abs=0.05)
    names = [p.findtext(f"{KML}name") or "" for p in root.iter(f"{KML}Placemark")]
    assert any(n.startswith("Landing") for n in names)
    assert sum(n.startswith("Prediction") for n in names) == len(export.predictions) > 0


def test_geojson_track_events_and_station(two_flights: list[FlightExport]) -> None:
    export = two_flights[0]
    data = json.loads(to_geojson(export, Station(52.0, 0.2, 12.0)))
    assert data["type"] == "FeatureCollection"
    track = data["features"][0]
    assert track["geometry"]["type"] == "LineString"
    coords = track["geometry"]["coordinates"]
    fixes = export.flight.fixes
    assert len(coords) == len(fixes) == len(track["properties"]["coordTimes"])
    for (lon, lat, alt), fix in zip(coords, fixes, strict=True):
        assert (lat, lon) == pytest.approx((fix.lat, fix.lon), abs=1e-7)
        assert alt == pytest.approx(fix.alt_m, abs=0.05)
    kinds = [f["properties"]["kind"] for f in data["features"][1:]]
    assert kinds[:3] == ["launch", "burst", "landing"]
    assert kinds.count("predicted landing") == len(export.predictions)
    assert kinds[-1] == "station"


def test_csv_joins_the_nearest_telemetry(two_flights: list[FlightExport]) -> None:
    export = two_flights[0]
    rows = list(csv.DictReader(io.StringIO(to_csv(export))))
    assert len(rows) == len(export.flight.fixes)
    by_time = {t.time: t for t in export.telemetry}
    for row, fix in zip(rows, export.flight.fixes, strict=True):
        assert float(row["lat"]) == pytest.approx(fix.lat, abs=1e-7)
        telemetry = by_time[fix.time]  # the emulator sends both in one packet
        assert float(row["battery_v"]) == telemetry.battery_v
        assert float(row["pressure_hpa"]) == telemetry.pressure_hpa
        assert json.loads(row["telemetry_extra"]) == telemetry.extra
    assert {r["phase"] for r in rows} >= {"ascent", "descent"}


def test_hostile_text_stays_text_in_every_format(hostile_flights: list[FlightExport]) -> None:
    export = hostile_flights[0]
    gpx = gpxpy.parse(to_gpx(export).decode("utf-8"))
    assert gpx.tracks[0].name == export.label and export.label.startswith(HOSTILE[0])
    root = ET.fromstring(to_kml(export))
    assert root.findtext(f"{KML}Document/{KML}name") == export.label
    data = json.loads(to_geojson(export))
    assert data["features"][0]["properties"]["tracker"] == HOSTILE[0]
    rows = list(csv.DictReader(io.StringIO(to_csv(export))))
    assert json.loads(rows[5]["telemetry_extra"])[HOSTILE[1]] == HOSTILE[3]


def test_xml_survives_control_characters(two_flights: list[FlightExport]) -> None:
    from dataclasses import replace

    flight = replace(two_flights[0].flight, tracker="bad\x00\x1b[31mname\x7f")
    export = replace(two_flights[0], flight=flight)
    for body in (to_gpx(export), to_kml(export)):
        ET.fromstring(body)  # still well-formed XML


def test_spreadsheet_formulas_are_defused() -> None:
    assert csv_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_text("@SUM(A1)") == "'@SUM(A1)"
    assert csv_text("EMU1") == "EMU1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EMU1-flight-3", "EMU1-flight-3.html"),
        ("../../etc/passwd", "etc_passwd.html"),
        ("a/b\\c\x00d\n", "a_b_c_d.html"),
        ("<img src=x onerror=alert(1)>", "img_src_x_onerror_alert_1.html"),
        ("..", "flight.html"),
        ("CON", "flight.html"),
        ("Ballon été", "Ballon_ete.html"),
        ("x" * 300, "x" * 80 + ".html"),
    ],
)
def test_file_names_are_sanitised(text: str, expected: str) -> None:
    assert safe_filename(text, ".html") == expected


def test_export_package_loads_no_textual() -> None:
    import subprocess
    import sys

    code = "import sys, groundstation.export; assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_export_map_from_fixes_in_memory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from export_kit import emulated

    from firmware_protocol.emulator import SimulationConfig
    from groundstation.export import ExportError, export_map

    fixes, _ = emulated(SimulationConfig(seed=8, interval=20.0))
    written = export_map("EMU1", fixes, tmp_path / "m.html")
    assert "gs-track" in written.read_text(encoding="utf-8")
    with pytest.raises(ExportError, match="no flight"):
        export_map("NOBODY", fixes, tmp_path / "n.html")
