"""GPX 1.1 and KML 2.2 exports of a flight, written with :mod:`xml.etree.ElementTree`.

Every fix of the flight is written (no simplification: these files are for analysis). Text
from the air (callsigns, telemetry) is only ever element text or attribute values, escaped by
ElementTree, with the characters XML cannot carry replaced (:func:`.safe.xml_text`).

- **GPX**: one track (``trk``) with a point per fix (latitude, longitude, ``ele``, ``time``,
  and ``sat``/``hdop`` where known), and waypoints for launch, burst and landing/last fix.
- **KML**: the track as a ``LineString`` with ``extrude`` and ``absolute`` altitude mode, so
  Google Earth draws it at its real height with a curtain down to the ground, coloured by its
  flight; placemarks for the events and the predicted landings.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from groundstation.export.model import FlightExport, flight_events, utc_text
from groundstation.export.safe import xml_text
from groundstation.flight import TrackPoint

GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"
CREATOR = "groundstation"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root, space=" ")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def _num(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def to_gpx(export: FlightExport) -> bytes:
    """The flight as a GPX 1.1 document (UTF-8 bytes)."""
    flight = export.flight
    root = ET.Element("gpx", {"version": "1.1", "creator": CREATOR, "xmlns": GPX_NS})
    meta = _sub(root, "metadata")
    _sub(meta, "name", export.label)
    _sub(meta, "desc", f"Flight {export.flight_id}: {flight.end_reason}")
    _sub(meta, "time", utc_text(flight.start_time))
    for event in flight_events(flight, export.redacted_km):
        p = event.point
        wpt = _sub(root, "wpt", lat=_num(p.lat, 7), lon=_num(p.lon, 7))
        if not math.isnan(p.alt_m):
            _sub(wpt, "ele", _num(p.alt_m, 1))
        _sub(wpt, "time", utc_text(p.time))
        _sub(wpt, "name", f"{event.title}: {export.label}")
        _sub(wpt, "type", event.kind)
    trk = _sub(root, "trk")
    _sub(trk, "name", export.label)
    _sub(trk, "type", "balloon")
    segment = _sub(trk, "trkseg")
    for fix in flight.fixes:
        point = _sub(segment, "trkpt", lat=_num(fix.lat, 7), lon=_num(fix.lon, 7))
        if fix.alt_m is not None:
            _sub(point, "ele", _num(fix.alt_m, 1))
        _sub(point, "time", utc_text(fix.time))
        if fix.sats is not None:
            _sub(point, "sat", str(fix.sats))
        if fix.hdop is not None:
            _sub(point, "hdop", _num(fix.hdop, 2))
    return _serialise(root)


def _kml_colour(rgb: str, alpha: int) -> str:
    """KML colours are aabbggrr."""
    return f"{alpha:02x}{rgb[5:7]}{rgb[3:5]}{rgb[1:3]}"


def _coords(lon: float, lat: float, alt: float) -> str:
    return f"{lon:.7f},{lat:.7f},{alt:.1f}"


def to_kml(export: FlightExport, colour: str = "#1f5fbf") -> bytes:
    """The flight as KML 2.2 (UTF-8 bytes): an extruded, absolute-altitude track."""
    flight = export.flight
    root = ET.Element("kml", {"xmlns": KML_NS})
    doc = _sub(root, "Document")
    _sub(doc, "name", export.label)
    _sub(doc, "description", f"Flight {export.flight_id}: {flight.end_reason}")
    style = _sub(doc, "Style", id="track")
    line_style = _sub(style, "LineStyle")
    _sub(line_style, "color", _kml_colour(colour, 0xFF))
    _sub(line_style, "width", "3")
    poly_style = _sub(style, "PolyStyle")
    _sub(poly_style, "color", _kml_colour(colour, 0x40))
    track = _sub(doc, "Placemark", id="track-placemark")
    _sub(track, "name", export.label)
    span = _sub(track, "TimeSpan")
    _sub(span, "begin", utc_text(flight.start_time))
    _sub(span, "end", utc_text(flight.end_time))
    _sub(track, "styleUrl", "#track")
    line = _sub(track, "LineString")
    _sub(line, "extrude", "1")
    _sub(line, "tessellate", "0")
    _sub(line, "altitudeMode", "absolute")
    _sub(
        line,
        "coordinates",
        " ".join(
            _coords(f.lon, f.lat, f.alt_m if f.alt_m is not None else 0.0) for f in flight.fixes
        ),
    )
    events = _sub(doc, "Folder")
    _sub(events, "name", "Events")
    for event in flight_events(flight, export.redacted_km):
        _point_placemark(events, f"{event.title}: {export.label}", event.point)
    if export.predictions:
        guesses = _sub(doc, "Folder")
        _sub(guesses, "name", "Landing predictions during the flight")
        for number, p in enumerate(export.predictions, start=1):
            name = f"Prediction {number}, made {utc_text(p.made_at)} ({p.kind})"
            _point_placemark(guesses, name, p.landing, clamp=True)
    return _serialise(root)


def _point_placemark(parent: ET.Element, name: str, point: TrackPoint, clamp: bool = False) -> None:
    mark = _sub(parent, "Placemark")
    _sub(mark, "name", name)
    stamp = _sub(mark, "TimeStamp")
    _sub(stamp, "when", utc_text(point.time))
    geometry = _sub(mark, "Point")
    alt = 0.0 if clamp or math.isnan(point.alt_m) else point.alt_m
    _sub(geometry, "altitudeMode", "clampToGround" if clamp else "absolute")
    _sub(geometry, "coordinates", _coords(point.lon, point.lat, alt))
