"""The ``flights`` table: the flights found in each tracker's fixes, kept up to date.

:func:`refresh_flights` reads a tracker's fixes, splits them into flights
(:func:`groundstation.flight.split_flights`) and makes the table agree: one row per flight,
updated in place when the flight changes, deleted when it no longer exists. A flight is keyed by
its tracker and ``key_time`` (the launch time, or the first airborne fix when the launch was not
heard), so recomputing it updates the same row. When new fixes move the key a little (a launch
seen better once more of the climb has arrived), the existing row that overlaps the flight in
time keeps its id. A row is written only when something in it changed, so calling this every few
seconds from a live view costs a read of the fixes and a split, and writes nothing while the
tracker is silent.

``packets_lost`` adds up ``link.lost_before`` of the tracker's packets heard from just after the
flight's first fix up to its next fix after the flight, within each source the flight's fixes
came from. Raw line ids order the packets of a source: receive times cannot, because every line
of an imported log has the same receive time (the import's). With two receivers hearing the same
tracker, packets missed by one of them are counted too.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from groundstation.flight.flights import (
    BandRate,
    Flight,
    FlightStatus,
    TrackPoint,
    split_flights,
)
from groundstation.flight.phases import FlightSettings
from groundstation.models import Fix, StationFix
from groundstation.store.database import Store, iso, parse_iso
from groundstation.store.schema import LINE_BITS

log = logging.getLogger(__name__)

# Every column of a row except ``id``, ``tracker_id`` and ``updated_at``: what decides whether
# a row changed.
CONTENT_COLUMNS: tuple[str, ...] = (
    "key_time",
    "start_time",
    "end_time",
    "launch_time",
    "launch_lat",
    "launch_lon",
    "launch_alt_m",
    "burst_time",
    "burst_lat",
    "burst_lon",
    "burst_alt_m",
    "max_altitude_m",
    "landing_time",
    "landing_lat",
    "landing_lon",
    "landing_alt_m",
    "last_time",
    "last_lat",
    "last_lon",
    "last_alt_m",
    "status",
    "end_reason",
    "duration_s",
    "ascent_rate_mps",
    "descent_rate_mps",
    "band_rates",
    "path_length_m",
    "launch_to_landing_m",
    "fix_count",
    "rejected_count",
    "packets_lost",
)

_FIX_COLUMNS = "time, lat, lon, alt_m, speed_mps, course_deg, sats, hdop, quality, sentence"


@dataclass(frozen=True, slots=True)
class StoredFlight:
    """One row of the ``flights`` table (see docs/schema.md), with typed values.

    ``analysis`` is the full analysis (fixes and their phases) when the row comes from
    :func:`refresh_flights`, ``None`` when it was only read back; it takes no part in equality.
    """

    id: int
    tracker: str
    key_time: datetime
    start_time: datetime
    end_time: datetime
    launch: TrackPoint | None
    burst: TrackPoint | None
    max_altitude_m: float
    landing: TrackPoint | None
    last: TrackPoint
    status: FlightStatus
    end_reason: str
    duration_s: float
    ascent_rate_mps: float | None
    descent_rate_mps: float | None
    band_rates: tuple[BandRate, ...]
    path_length_m: float
    launch_to_landing_m: float | None
    fix_count: int
    rejected_count: int
    packets_lost: int
    updated_at: datetime
    analysis: Flight | None = field(default=None, compare=False, repr=False)


# -- reading ---------------------------------------------------------------------------------


def tracker_names(store: Store) -> list[str]:
    """Every tracker's name, sorted."""
    return [str(r[0]) for r in store.conn.execute("SELECT name FROM trackers ORDER BY name")]


def _tracker_id(store: Store, name: str) -> int | None:
    row = store.conn.execute("SELECT id FROM trackers WHERE name = ?", (name,)).fetchone()
    return None if row is None else int(row[0])


def _fix(tracker: str, row: Sequence[Any]) -> Fix:
    return Fix(
        tracker,
        parse_iso(row[0]),
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        row[9] or "",
    )


def _fix_rows(
    store: Store,
    tracker_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[tuple[Any, ...]]:
    sql = f"SELECT {_FIX_COLUMNS}, raw_line_id FROM fixes WHERE tracker_id = ?"
    params: list[object] = [tracker_id]
    if since is not None:
        sql += " AND time >= ?"
        params.append(iso(since))
    if until is not None:
        sql += " AND time <= ?"
        params.append(iso(until))
    return store.conn.execute(sql + " ORDER BY time", params).fetchall()


def load_fixes(
    store: Store,
    tracker_name: str,
    until: datetime | None = None,
    *,
    since: datetime | None = None,
) -> list[Fix]:
    """A tracker's fixes in time order, those from ``since`` to ``until`` (both included).

    An unknown tracker has no fixes.
    """
    tid = _tracker_id(store, tracker_name)
    if tid is None:
        return []
    return [_fix(tracker_name, row) for row in _fix_rows(store, tid, since, until)]


def latest_station_fix(store: Store, at: datetime | None = None) -> StationFix | None:
    """The station's own latest GPS position, the latest at or before ``at`` if given."""
    sql = "SELECT time, lat, lon, alt_m FROM station_fixes"
    params: list[object] = []
    if at is not None:
        sql += " WHERE time <= ?"
        params.append(iso(at))
    row = store.conn.execute(sql + " ORDER BY time DESC LIMIT 1", params).fetchone()
    if row is None:
        return None
    return StationFix(parse_iso(row[0]), row[1], row[2], row[3])


def latest_fix_time(store: Store) -> datetime | None:
    """The time of the newest tracker fix in the database."""
    row = store.conn.execute("SELECT max(time) FROM fixes").fetchone()
    return None if row is None or row[0] is None else parse_iso(row[0])


def list_flights(store: Store, tracker: str | None = None) -> list[StoredFlight]:
    """The rows of the ``flights`` table as they are (no recomputation), oldest first."""
    sql = "SELECT f.*, t.name AS tracker FROM flights f JOIN trackers t ON t.id = f.tracker_id"
    params: list[object] = []
    if tracker is not None:
        sql += " WHERE t.name = ?"
        params.append(tracker)
    rows = store.query(sql + " ORDER BY f.key_time, t.name, f.id", params)
    return [_from_row(row) for row in rows]


def select_flight(flights: Sequence[StoredFlight], ident: str) -> StoredFlight | None:
    """The flight an identifier names: a flight id, ``latest``, or a tracker's name.

    ``latest`` is the flight launched last (of any tracker); a tracker's name means its latest
    flight. A number that is no flight's id may still be a tracker's name.
    """
    ordered = sorted(flights, key=lambda f: (f.key_time, f.id))
    text = ident.strip()
    if text.isdigit():
        wanted = int(text)
        for flight in ordered:
            if flight.id == wanted:
                return flight
    if text.lower() == "latest":
        return ordered[-1] if ordered else None
    own = [f for f in ordered if f.tracker == ident]
    return own[-1] if own else None


# -- converting between analyses and rows -----------------------------------------------------


def _num(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def _point_columns(prefix: str, point: TrackPoint | None) -> dict[str, object]:
    if point is None:
        return {
            f"{prefix}_time": None,
            f"{prefix}_lat": None,
            f"{prefix}_lon": None,
            f"{prefix}_alt_m": None,
        }
    return {
        f"{prefix}_time": iso(point.time),
        f"{prefix}_lat": point.lat,
        f"{prefix}_lon": point.lon,
        f"{prefix}_alt_m": _num(point.alt_m),
    }


def band_rates_json(bands: Iterable[BandRate]) -> str:
    """The per-band rates as stored in ``flights.band_rates``."""
    return json.dumps(
        [
            {
                "bottom_m": b.bottom_m,
                "top_m": b.top_m,
                "ascent_rate_mps": b.ascent_mps,
                "descent_rate_mps": b.descent_mps,
            }
            for b in bands
        ]
    )


def flight_columns(flight: Flight, packets_lost: int) -> dict[str, object]:
    """The content columns of a flight's row, as stored."""
    values: dict[str, object] = {
        "key_time": iso(flight.key_time),
        "start_time": iso(flight.start_time),
        "end_time": iso(flight.end_time),
    }
    values |= _point_columns("launch", flight.launch)
    values |= _point_columns("burst", flight.burst)
    values["max_altitude_m"] = flight.max_alt_m
    values |= _point_columns("landing", flight.landing)
    values |= _point_columns("last", flight.last)
    values |= {
        "status": flight.status,
        "end_reason": flight.end_reason,
        "duration_s": flight.duration.total_seconds(),
        "ascent_rate_mps": flight.ascent_rate_mps,
        "descent_rate_mps": flight.descent_rate_mps,
        "band_rates": band_rates_json(flight.band_rates),
        "path_length_m": flight.path_length_m,
        "launch_to_landing_m": flight.launch_to_landing_m,
        "fix_count": flight.fix_count,
        "rejected_count": flight.rejected_count,
        "packets_lost": packets_lost,
    }
    return values


def _time(value: object) -> datetime | None:
    return None if value is None else parse_iso(str(value))


def _row_point(row: dict[str, Any], prefix: str) -> TrackPoint | None:
    when = _time(row[f"{prefix}_time"])
    if when is None:
        return None
    alt = row[f"{prefix}_alt_m"]
    return TrackPoint(
        when, row[f"{prefix}_lat"], row[f"{prefix}_lon"], math.nan if alt is None else alt
    )


def _from_row(row: dict[str, Any], analysis: Flight | None = None) -> StoredFlight:
    last = _row_point(row, "last")
    assert last is not None  # NOT NULL columns
    bands = tuple(
        BandRate(b["bottom_m"], b["top_m"], b["ascent_rate_mps"], b["descent_rate_mps"])
        for b in json.loads(row["band_rates"])
    )
    return StoredFlight(
        id=int(row["id"]),
        tracker=str(row["tracker"]),
        key_time=parse_iso(row["key_time"]),
        start_time=parse_iso(row["start_time"]),
        end_time=parse_iso(row["end_time"]),
        launch=_row_point(row, "launch"),
        burst=_row_point(row, "burst"),
        max_altitude_m=row["max_altitude_m"],
        landing=_row_point(row, "landing"),
        last=last,
        status=cast(FlightStatus, row["status"]),
        end_reason=row["end_reason"],
        duration_s=row["duration_s"],
        ascent_rate_mps=row["ascent_rate_mps"],
        descent_rate_mps=row["descent_rate_mps"],
        band_rates=bands,
        path_length_m=row["path_length_m"],
        launch_to_landing_m=row["launch_to_landing_m"],
        fix_count=row["fix_count"],
        rejected_count=row["rejected_count"],
        packets_lost=row["packets_lost"],
        updated_at=parse_iso(row["updated_at"]),
        analysis=analysis,
    )


# -- recomputing -------------------------------------------------------------------------------


def refresh_flights(
    store: Store,
    trackers: Iterable[str] | None = None,
    now: datetime | None = None,
    *,
    settings: FlightSettings | None = None,
) -> list[StoredFlight]:
    """Recompute the flights of some trackers (all if ``None``) and store them.

    ``now`` (default: the current time) tells a flight still in the air from one whose signal
    was lost: a flight whose last fix is at most ``settings.lost_after_s`` before ``now`` is
    ``"in flight"``. Pass the data's own clock when replaying old logs as if live. Returns the
    trackers' flights, oldest first, each with its ``analysis``. Unknown trackers have none.
    Raises ``sqlite3.Error`` if the database cannot be written.
    """
    when = now if now is not None else datetime.now(UTC)
    names = tracker_names(store) if trackers is None else list(dict.fromkeys(trackers))
    found: list[StoredFlight] = []
    for name in names:
        tid = _tracker_id(store, name)
        if tid is not None:
            found.extend(_refresh_tracker(store, name, tid, when, settings))
    found.sort(key=lambda f: (f.key_time, f.tracker, f.id))
    return found


def _refresh_tracker(
    store: Store, name: str, tid: int, now: datetime, settings: FlightSettings | None
) -> list[StoredFlight]:
    rows = _fix_rows(store, tid)
    fixes = [_fix(name, row) for row in rows]
    times = [f.time for f in fixes]
    raw_ids: list[int | None] = [row[10] for row in rows]
    flights = split_flights(fixes, settings, now)
    wanted = [
        (flight, flight_columns(flight, _packets_lost(store, tid, flight, times, raw_ids)))
        for flight in flights
    ]
    ids = _sync(store.conn, tid, [values for _, values in wanted])
    stored = []
    for (flight, _values), (fid, row) in zip(wanted, ids, strict=True):
        stored.append(_from_row(row | {"id": fid, "tracker": name}, flight))
    return stored


def _packets_lost(
    store: Store,
    tid: int,
    flight: Flight,
    times: Sequence[datetime],
    raw_ids: Sequence[int | None],
) -> int:
    """Losses reported from just after the flight's first fix to its next fix, per source."""
    first = bisect.bisect_left(times, flight.start_time)
    after = bisect.bisect_right(times, flight.end_time)
    ranges: dict[int, list[int]] = {}  # source id: [first raw id in the flight, end of range]
    for rid in raw_ids[first:after]:
        if rid is not None:
            source = rid >> LINE_BITS
            span = ranges.setdefault(source, [rid, (source + 1) << LINE_BITS])
            span[0] = min(span[0], rid)
    for rid in raw_ids[after:]:
        found = None if rid is None else ranges.get(rid >> LINE_BITS)
        if rid is not None and found is not None:
            found[1] = min(found[1], rid)
    lost = 0
    for low, high in ranges.values():
        (count,) = store.conn.execute(
            # (The fault term lets the partial index link_faults find the few rows with losses.)
            "SELECT coalesce(sum(lost_before), 0) FROM link WHERE raw_line_id > ?"
            " AND raw_line_id < ? AND tracker_id = ? AND (crc_ok = 0 OR lost_before > 0)",
            (low, high, tid),
        ).fetchone()
        lost += int(count)
    return lost


@dataclass(frozen=True, slots=True)
class _Plan:
    keep: list[tuple[int, dict[str, Any]]]  # (row id, stored row) for each wanted flight
    changed: list[int]  # positions in ``keep`` whose row must be written
    inserts: list[int]  # positions of wanted flights that need a new row
    deletes: list[int]  # row ids of flights that no longer exist

    @property
    def writes(self) -> bool:
        return bool(self.changed or self.inserts or self.deletes)


def _existing(conn: sqlite3.Connection, tid: int) -> list[dict[str, Any]]:
    cursor = conn.execute("SELECT * FROM flights WHERE tracker_id = ? ORDER BY key_time", (tid,))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _match(existing: list[dict[str, Any]], wanted: Sequence[dict[str, object]]) -> _Plan:
    """Pair each wanted flight with its existing row: same key, else overlapping in time."""
    by_key = {row["key_time"]: row for row in existing}
    paired: dict[int, dict[str, Any]] = {}
    used: set[int] = set()
    for i, values in enumerate(wanted):
        row = by_key.get(values["key_time"])
        if row is not None:
            paired[i] = row
            used.add(row["id"])
    for i, values in enumerate(wanted):
        if i in paired:
            continue
        key = parse_iso(str(values["key_time"]))
        overlapping = [
            row
            for row in existing
            if row["id"] not in used
            and row["start_time"] <= str(values["end_time"])
            and str(values["start_time"]) <= row["end_time"]
        ]
        if overlapping:
            row = min(overlapping, key=lambda r: abs(parse_iso(r["key_time"]) - key))
            paired[i] = row
            used.add(row["id"])
    keep: list[tuple[int, dict[str, Any]]] = []
    changed: list[int] = []
    inserts: list[int] = []
    for i, values in enumerate(wanted):
        row = paired.get(i)
        if row is None:
            inserts.append(i)
            keep.append((0, dict(values)))
        else:
            same = all(row[c] == values[c] for c in CONTENT_COLUMNS)
            if not same:
                changed.append(i)
            keep.append((int(row["id"]), row if same else dict(values)))
    deletes = [int(row["id"]) for row in existing if row["id"] not in used]
    return _Plan(keep, changed, inserts, deletes)


def _sync(
    conn: sqlite3.Connection, tid: int, wanted: Sequence[dict[str, object]]
) -> list[tuple[int, dict[str, Any]]]:
    """Make the tracker's rows match ``wanted``; return (id, row) for each wanted flight."""
    plan = _match(_existing(conn, tid), wanted)
    if not plan.writes:
        return plan.keep
    stamp = iso(datetime.now(UTC))
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have refreshed this tracker since the read above.
        plan = _match(_existing(conn, tid), wanted)
        conn.executemany("DELETE FROM flights WHERE id = ?", [(i,) for i in plan.deletes])
        assignments = ", ".join(f"{c} = ?" for c in CONTENT_COLUMNS)
        for position in plan.changed:
            fid, values = plan.keep[position]
            conn.execute(
                f"UPDATE flights SET {assignments}, updated_at = ? WHERE id = ?",
                [*(values[c] for c in CONTENT_COLUMNS), stamp, fid],
            )
            values["updated_at"] = stamp
        columns = ", ".join(("tracker_id", *CONTENT_COLUMNS, "updated_at"))
        marks = ", ".join("?" * (len(CONTENT_COLUMNS) + 2))
        for position in plan.inserts:
            _, values = plan.keep[position]
            cursor = conn.execute(
                f"INSERT INTO flights ({columns}) VALUES ({marks})",
                [tid, *(values[c] for c in CONTENT_COLUMNS), stamp],
            )
            values["updated_at"] = stamp
            plan.keep[position] = (int(cursor.lastrowid or 0), values)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    log.debug(
        "flights of tracker %d: %d new, %d changed, %d gone",
        tid,
        len(plan.inserts),
        len(plan.changed),
        len(plan.deletes),
    )
    return plan.keep
