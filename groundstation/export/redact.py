"""Redaction for sharing: leave out everything near the launch sites and the station.

A crew that shares a flight's map or track may not want to say where it launches from or where
its station stands. :func:`redact` takes the flights to export and returns copies from which
every position within a radius of any *centre* (each flight's launch site, or its first fix when
it was heard already airborne, and the station) is gone:

- fixes within the radius are dropped (the track starts, and may pause, at the circle's edge);
- launch, burst and landing points within it are dropped, and so is the distance from launch to
  landing (with the landing it would place the launch on a circle);
- predictions whose landing lies within it are dropped, and their paths lose the points within;
- telemetry sent while the tracker was within it is dropped (its text could carry a position).

The station itself is never passed on: callers drop it when redacting. Nothing is rounded or
jittered: what is left is exact, what is near the centres is absent.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np

from groundstation.export.model import ExportError, FlightExport, Station
from groundstation.flight import Flight, TrackPoint
from groundstation.flight.geo import MEAN_EARTH_RADIUS_M
from groundstation.models import Fix, Telemetry

Centre = tuple[float, float]


def redaction_centres(exports: Iterable[FlightExport], station: Station | None) -> list[Centre]:
    """Every launch site (or first fix, for a flight heard already airborne) and the station."""
    centres: list[Centre] = []
    for export in exports:
        flight = export.flight
        start = flight.launch if flight.launch is not None else flight.fixes[0]
        centres.append((start.lat, start.lon))
    if station is not None:
        centres.append((station.lat, station.lon))
    return centres


def near_any(
    lats: Sequence[float], lons: Sequence[float], centres: Sequence[Centre], radius_m: float
) -> np.ndarray:
    """A boolean array: which of the positions lie within ``radius_m`` of any centre."""
    lat = np.radians(np.asarray(lats, dtype=float))
    lon = np.radians(np.asarray(lons, dtype=float))
    near = np.zeros(lat.shape, dtype=bool)
    for clat, clon in centres:
        c_lat, c_lon = np.radians(clat), np.radians(clon)
        # haversine, as flight.geo.ground_distance_m computes it one point at a time
        a = (
            np.sin((lat - c_lat) / 2) ** 2
            + np.cos(lat) * np.cos(c_lat) * np.sin((lon - c_lon) / 2) ** 2
        )
        distance = 2 * MEAN_EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
        near |= distance <= radius_m
    return near


def _point_near(point: TrackPoint | None, centres: Sequence[Centre], radius_m: float) -> bool:
    return point is not None and bool(near_any([point.lat], [point.lon], centres, radius_m)[0])


def _keep_point(
    point: TrackPoint | None, centres: Sequence[Centre], radius_m: float
) -> TrackPoint | None:
    return None if _point_near(point, centres, radius_m) else point


def _telemetry_kept(
    telemetry: Sequence[Telemetry], fixes: Sequence[Fix], kept: Sequence[bool]
) -> tuple[Telemetry, ...]:
    """Telemetry whose nearest fix in time was kept (none at all if no fix was kept)."""
    times = [f.time for f in fixes]
    result = []
    for row in telemetry:
        at = row.time
        if at is None:
            continue
        i = bisect.bisect_left(times, at)
        candidates = [j for j in (i - 1, i) if 0 <= j < len(times)]
        if not candidates:
            continue
        nearest = min(candidates, key=lambda j: abs((times[j] - at).total_seconds()))
        if kept[nearest]:
            result.append(row)
    return tuple(result)


def _redact_one(export: FlightExport, centres: Sequence[Centre], radius_m: float) -> FlightExport:
    flight = export.flight
    near = near_any([f.lat for f in flight.fixes], [f.lon for f in flight.fixes], centres, radius_m)
    kept = [not n for n in near.tolist()]
    if not any(kept):
        raise ExportError(
            f"every position of flight {export.flight_id} lies within the redaction radius:"
            " there is nothing left to share"
        )
    fixes = tuple(f for f, k in zip(flight.fixes, kept, strict=True) if k)
    phases = tuple(p for p, k in zip(flight.phases, kept, strict=True) if k)
    last = flight.last
    if _point_near(last, centres, radius_m):
        final = fixes[-1]
        alt = final.alt_m if final.alt_m is not None else flight.max_alt_m
        last = TrackPoint(final.time, final.lat, final.lon, alt)
    redacted: Flight = dataclasses.replace(
        flight,
        fixes=fixes,
        phases=phases,
        launch=_keep_point(flight.launch, centres, radius_m),
        burst=_keep_point(flight.burst, centres, radius_m),
        landing=_keep_point(flight.landing, centres, radius_m),
        last=last,
        launch_to_landing_m=None,
        fix_count=len(fixes),
    )
    predictions = []
    for p in export.predictions:
        if _point_near(p.landing, centres, radius_m):
            continue
        path = tuple(q for q in p.path if not _point_near(q, centres, radius_m))
        burst = _keep_point(p.burst, centres, radius_m)
        predictions.append(dataclasses.replace(p, path=path, burst=burst))
    return dataclasses.replace(
        export,
        flight=redacted,
        telemetry=_telemetry_kept(export.telemetry, flight.fixes, kept),
        predictions=tuple(predictions),
        redacted_km=radius_m / 1000.0,
    )


def redact(
    exports: Sequence[FlightExport], station: Station | None, radius_km: float
) -> list[FlightExport]:
    """The flights without any position within ``radius_km`` of a launch site or the station.

    Raises :class:`ExportError` if a flight has nothing left. The caller must not pass
    ``station`` on to the writer.
    """
    if not radius_km > 0:
        raise ExportError(f"the redaction radius must be more than 0 km, not {radius_km:g}")
    centres = redaction_centres(exports, station)
    return [_redact_one(e, centres, radius_km * 1000.0) for e in exports]
