"""GeoJSON and CSV exports of a flight: every fix, for analysis in other tools.

- **GeoJSON** (RFC 7946): a FeatureCollection with the track as a ``LineString`` of
  ``[lon, lat, alt_m]`` (its fix times in the ``coordTimes`` property, the convention GPX/KML
  converters use), a ``Point`` per event (launch, burst, landing or last fix) and per landing
  prediction made during the flight, and the station if known. Properties say what each is.
- **CSV**: a header row, then one row per fix with the telemetry nearest in time (within 60 s)
  joined on: battery, temperatures, pressure and any further sensor values as JSON. Text cells
  that a spreadsheet would read as a formula get a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from groundstation.export.model import (
    FlightExport,
    Station,
    flight_events,
    nearest_telemetry,
    utc_text,
)
from groundstation.export.safe import csv_text


def _alt(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 1)


def _position(lon: float, lat: float, alt: float | None) -> list[float]:
    position = [round(lon, 7), round(lat, 7)]
    rounded = _alt(alt)
    return position if rounded is None else [*position, rounded]


def to_geojson(export: FlightExport, station: Station | None = None) -> str:
    """The flight as a GeoJSON FeatureCollection (text)."""
    flight = export.flight
    common = {"tracker": flight.tracker, "flight_id": export.flight_id}
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [_position(f.lon, f.lat, f.alt_m) for f in flight.fixes],
            },
            "properties": {
                "kind": "track",
                **common,
                "name": export.label,
                "start": utc_text(flight.start_time),
                "end": utc_text(flight.end_time),
                "max_alt_m": _alt(flight.max_alt_m),
                "end_reason": flight.end_reason,
                "coordTimes": [utc_text(f.time) for f in flight.fixes],
            },
        }
    ]
    for event in flight_events(flight, export.redacted_km):
        p = event.point
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": _position(p.lon, p.lat, p.alt_m)},
                "properties": {
                    "kind": event.kind,
                    **common,
                    "name": event.title,
                    "time": utc_text(p.time),
                    "alt_m": _alt(p.alt_m),
                },
            }
        )
    for number, prediction in enumerate(export.predictions, start=1):
        p = prediction.landing
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": _position(p.lon, p.lat, None)},
                "properties": {
                    "kind": "predicted landing",
                    **common,
                    "number": number,
                    "made_at": utc_text(prediction.made_at),
                    "prediction": prediction.kind,
                    "time": utc_text(p.time),
                },
            }
        )
    if station is not None:
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": _position(station.lon, station.lat, station.alt_m),
                },
                "properties": {"kind": "station", "name": "Ground station"},
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


CSV_COLUMNS = (
    "tracker",
    "flight_id",
    "time",
    "lat",
    "lon",
    "alt_m",
    "speed_mps",
    "course_deg",
    "sats",
    "hdop",
    "phase",
    "telemetry_time",
    "seq",
    "battery_v",
    "temp_int_c",
    "temp_ext_c",
    "pressure_hpa",
    "telemetry_extra",
)


def _cell(value: object) -> object:
    return "" if value is None else value


def to_csv(export: FlightExport) -> str:
    """The flight's fixes with the nearest telemetry, as CSV text with a header row."""
    flight = export.flight
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    tracker, flight_id = csv_text(flight.tracker), csv_text(export.flight_id)
    joined = nearest_telemetry(flight.fixes, export.telemetry)
    for fix, phase, row in zip(flight.fixes, flight.phases, joined, strict=True):
        cells: list[object] = [
            tracker,
            flight_id,
            utc_text(fix.time),
            f"{fix.lat:.7f}",
            f"{fix.lon:.7f}",
            fix.alt_m,
            fix.speed_mps,
            fix.course_deg,
            fix.sats,
            fix.hdop,
            phase,
        ]
        if row is None:
            cells += [None] * 7
        else:
            extra = json.dumps(row.extra, ensure_ascii=False, sort_keys=True) if row.extra else None
            cells += [
                utc_text(row.time) if row.time is not None else None,
                row.seq,
                row.battery_v,
                row.temp_int_c,
                row.temp_ext_c,
                row.pressure_hpa,
                csv_text(extra) if extra is not None else None,
            ]
        writer.writerow([_cell(c) for c in cells])
    return out.getvalue()
