"""Exports of flights: shareable folium maps (HTML) and GPX, KML, GeoJSON and CSV files.

The only package that imports ``folium``. Everything here works from data in memory
(:class:`FlightExport`: an analysed :class:`~groundstation.flight.Flight` with its telemetry
and landing predictions); :mod:`.source` builds those from a database.

- :mod:`.map_html`: the HTML map (:func:`build_map`), with :mod:`.colors` (altitude colours),
  :mod:`.profile` (the altitude chart), :mod:`.map_script` (the page's own script) and
  :mod:`.assets` (Leaflet, inlined for ``offline`` maps);
- :mod:`.xml_formats`: GPX and KML; :mod:`.data_formats`: GeoJSON and CSV;
- :mod:`.simplify`: Douglas-Peucker in metres, so a long track stays small;
- :mod:`.safe`: escaping of untrusted text for HTML, scripts, XML, CSV and file names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from groundstation.export.data_formats import to_csv, to_geojson
from groundstation.export.model import (
    ExportError,
    FlightExport,
    Station,
    flight_exports,
    predictions_during,
)
from groundstation.export.safe import safe_filename
from groundstation.export.simplify import simplify_track
from groundstation.export.source import load_exports
from groundstation.export.xml_formats import to_gpx, to_kml

if TYPE_CHECKING:
    from groundstation.export.map_html import (
        TRACK_TOLERANCE_M,
        build_map,
        default_title,
        export_map,
    )

_MAP_NAMES = frozenset({"TRACK_TOLERANCE_M", "build_map", "default_title", "export_map"})


def __getattr__(name: str) -> Any:
    """The map's names load folium (half a second) only when a map is made."""
    if name in _MAP_NAMES:
        from groundstation.export import map_html

        return getattr(map_html, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TRACK_TOLERANCE_M",
    "ExportError",
    "FlightExport",
    "Station",
    "build_map",
    "default_title",
    "export_map",
    "flight_exports",
    "load_exports",
    "predictions_during",
    "safe_filename",
    "simplify_track",
    "to_csv",
    "to_geojson",
    "to_gpx",
    "to_kml",
]
