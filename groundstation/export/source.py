"""Reading the flights to export from a database.

A flight is named as everywhere else in the program (:func:`groundstation.store.flights.
select_flight`): its id in the ``flights`` table, ``latest`` (the flight launched last), or a
tracker's name (that tracker's latest flight). The flights are recomputed first
(:func:`~groundstation.store.flights.refresh_flights`), so an export always shows what the fixes
say now, and the flight's telemetry is read alongside.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from groundstation.export.model import (
    ExportError,
    FlightExport,
    predictions_during,
    telemetry_during,
)
from groundstation.models import Telemetry
from groundstation.store.database import Store, describe_error, iso, parse_iso
from groundstation.store.flights import StoredFlight, refresh_flights, select_flight

ID_HELP = "a flight id, 'latest', or a tracker name (its latest flight)"


def load_telemetry(store: Store, tracker: str, since: datetime, until: datetime) -> list[Telemetry]:
    """A tracker's telemetry rows with a time from ``since`` to ``until``, in time order."""
    rows = store.conn.execute(
        "SELECT t.time, t.seq, t.battery_v, t.temp_int_c, t.temp_ext_c, t.pressure_hpa, t.extra"
        " FROM telemetry t JOIN trackers k ON k.id = t.tracker_id"
        " WHERE k.name = ? AND t.time >= ? AND t.time <= ? ORDER BY t.time, t.id",
        (tracker, iso(since), iso(until)),
    ).fetchall()
    found = []
    for time, seq, battery, t_int, t_ext, pressure, extra in rows:
        values = _extra(extra)
        found.append(
            Telemetry(tracker, parse_iso(time), seq, battery, t_int, t_ext, pressure, values)
        )
    return found


def _extra(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {"extra": text}
    if not isinstance(data, dict):
        return {"extra": text}
    return {str(k): str(v) for k, v in data.items()}


def select_flights(flights: Sequence[StoredFlight], idents: Sequence[str]) -> list[StoredFlight]:
    """The flights the identifiers name, each once, in the order given.

    Raises :class:`ExportError` naming the first identifier that names no flight.
    """
    chosen: list[StoredFlight] = []
    for ident in idents:
        flight = select_flight(flights, ident)
        if flight is None:
            raise ExportError(
                f"no flight {ident!r}: give {ID_HELP}; 'groundstation flights' lists them"
            )
        if flight.analysis is None:
            raise ExportError(f"flight {flight.id} could not be recomputed from its fixes")
        if all(c.id != flight.id for c in chosen):
            chosen.append(flight)
    return chosen


def load_exports(
    store: Store,
    idents: Sequence[str],
    *,
    with_predictions: bool = True,
    now: datetime | None = None,
) -> list[FlightExport]:
    """The named flights, recomputed from their fixes, with telemetry (and predictions)."""
    try:
        flights = refresh_flights(store, now=now if now is not None else datetime.now(UTC))
    except sqlite3.Error as exc:
        raise ExportError(describe_error(exc, store.path)) from None
    exports = []
    for stored in select_flights(flights, idents):
        flight = stored.analysis
        assert flight is not None  # checked by select_flights
        telemetry = load_telemetry(store, flight.tracker, flight.start_time, flight.end_time)
        exports.append(
            FlightExport(
                flight_id=str(stored.id),
                flight=flight,
                telemetry=telemetry_during(flight, telemetry),
                predictions=tuple(predictions_during(flight)) if with_predictions else (),
            )
        )
    return exports
