"""The database schema and its migrations. docs/schema.md describes every table for users.

The schema version lives in ``PRAGMA user_version``. Each migration moves the database one
version up inside a transaction; opening a database runs whatever migrations it lacks, so a
database made by any earlier release keeps working. Migrations are never edited once released:
a change is a new migration at the end of the list.
"""

from __future__ import annotations

import sqlite3

_V1 = """
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE trackers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE raw_lines (
    id INTEGER PRIMARY KEY,  -- source_id * 2^40 + line_no: one line of one source, once
    source_id INTEGER NOT NULL REFERENCES sources(id),
    line_no INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'rejected')),
    reason TEXT,
    sentence TEXT,
    tracker_id INTEGER REFERENCES trackers(id)
);
CREATE INDEX raw_lines_tracker_status ON raw_lines (tracker_id, status);
CREATE TABLE fixes (
    id INTEGER PRIMARY KEY,
    tracker_id INTEGER NOT NULL REFERENCES trackers(id),
    time TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    alt_m REAL,
    speed_mps REAL,
    course_deg REAL,
    sats INTEGER,
    hdop REAL,
    quality INTEGER,
    sentence TEXT,
    raw_line_id INTEGER REFERENCES raw_lines(id),
    UNIQUE (tracker_id, time)
);
"""

_V2 = """
CREATE TABLE telemetry (
    id INTEGER PRIMARY KEY,
    tracker_id INTEGER NOT NULL REFERENCES trackers(id),
    time TEXT,
    seq INTEGER,
    battery_v REAL,
    temp_int_c REAL,
    temp_ext_c REAL,
    pressure_hpa REAL,
    extra TEXT,
    raw_line_id INTEGER NOT NULL UNIQUE REFERENCES raw_lines(id)
);
CREATE INDEX telemetry_tracker_time ON telemetry (tracker_id, time);
CREATE TABLE link (
    id INTEGER PRIMARY KEY,
    tracker_id INTEGER NOT NULL REFERENCES trackers(id),
    received_at TEXT NOT NULL,
    seq INTEGER,
    rssi_dbm REAL,
    snr_db REAL,
    freq_error_hz REAL,
    crc_ok INTEGER,
    lost_before INTEGER NOT NULL DEFAULT 0,
    raw_line_id INTEGER NOT NULL UNIQUE REFERENCES raw_lines(id)
);
CREATE INDEX link_tracker_received ON link (tracker_id, received_at);
CREATE TABLE station_fixes (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    alt_m REAL,
    raw_line_id INTEGER NOT NULL UNIQUE REFERENCES raw_lines(id)
);
CREATE INDEX station_fixes_time ON station_fixes (time);
"""

_V3 = """
CREATE TABLE flights (
    id INTEGER PRIMARY KEY,
    tracker_id INTEGER NOT NULL REFERENCES trackers(id),
    key_time TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    launch_time TEXT,
    launch_lat REAL,
    launch_lon REAL,
    launch_alt_m REAL,
    burst_time TEXT,
    burst_lat REAL,
    burst_lon REAL,
    burst_alt_m REAL,
    max_altitude_m REAL NOT NULL,
    landing_time TEXT,
    landing_lat REAL,
    landing_lon REAL,
    landing_alt_m REAL,
    last_time TEXT NOT NULL,
    last_lat REAL NOT NULL,
    last_lon REAL NOT NULL,
    last_alt_m REAL,
    status TEXT NOT NULL CHECK (status IN ('landed', 'signal lost', 'in flight')),
    end_reason TEXT NOT NULL,
    duration_s REAL NOT NULL,
    ascent_rate_mps REAL,
    descent_rate_mps REAL,
    band_rates TEXT NOT NULL,
    path_length_m REAL NOT NULL,
    launch_to_landing_m REAL,
    fix_count INTEGER NOT NULL,
    rejected_count INTEGER NOT NULL,
    packets_lost INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tracker_id, key_time)
);
CREATE INDEX flights_key_time ON flights (key_time);
"""

# Lines were indexed by (tracker, status) so that counting a tracker's lines and rejects was
# cheap, but keeping that index up to date was a large part of the cost of storing a line. Only
# rejected lines are looked up by tracker (the status counts, the rejects the live view follows),
# and they are few: a partial index keeps those look-ups cheap and costs ok lines nothing.
_V4 = """
DROP INDEX raw_lines_tracker_status;
CREATE INDEX raw_lines_rejected ON raw_lines (tracker_id) WHERE status = 'rejected';
"""

# Link rows were indexed by (tracker, received_at), but only the link faults are ever looked up
# by tracker (status's bad CRCs and lost packets), and keeping that index up to date cost a bulk
# import ~7% of its SQLite time (2.93 s against 3.14 s to store a 1M-line flight's rows). A
# partial index of the faulty rows, as schema 4 did for rejected lines, finds those without
# reading a tracker's good packets and costs the good packets nothing.
_V5 = """
DROP INDEX link_tracker_received;
CREATE INDEX link_faults ON link (tracker_id) WHERE crc_ok = 0 OR lost_before > 0;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5)
SCHEMA_VERSION = len(MIGRATIONS)

LINE_BITS = 40
"""raw_lines.id = source_id << LINE_BITS | line_no: the key that makes ingest idempotent is the
row's own id, so no second index is needed, and a line's id is known before it is stored."""


def raw_line_id(source_id: int, line_no: int) -> int:
    return (source_id << LINE_BITS) | line_no


class SchemaTooNew(Exception):
    """The database was written by a newer release than this one."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to :data:`SCHEMA_VERSION`; return the version it had."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"the database has schema version {version}; this release knows up to "
            f"{SCHEMA_VERSION}: upgrade groundstation"
        )
    if version == SCHEMA_VERSION:
        return int(version)
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while we waited for the lock.
        (current,) = conn.execute("PRAGMA user_version").fetchone()
        for number in range(current, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(version)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
