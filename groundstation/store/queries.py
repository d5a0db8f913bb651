"""Read-only questions the CLI and views ask of the database."""

from __future__ import annotations

from typing import Any

from groundstation.store.database import Store
from groundstation.store.schema import LINE_BITS

# A tracker's link rows with a bad CRC or packets lost before them: what the partial index
# ``link_faults`` (schema 5) holds, so the counts below read only those rows. (A good packet adds
# nothing to either count.)
_FAULTS = "l.tracker_id = t.id AND (l.crc_ok = 0 OR l.lost_before > 0)"


def status(store: Store) -> dict[str, Any]:
    """Per source and per tracker: lines, fixes, rejects by reason, first/last time, last fix."""
    sources = store.query(
        "SELECT s.id, s.name, s.kind, s.key, s.complete,"
        " count(r.id) AS lines,"
        " sum(r.status = 'ok') AS ok,"
        " sum(r.status = 'rejected') AS rejected,"
        " min(r.received_at) AS first_received, max(r.received_at) AS last_received"
        # A source's lines are an id range: each row is read once, no index to build.
        " FROM sources s LEFT JOIN raw_lines r"
        f" ON r.id >= s.id << {LINE_BITS} AND r.id < (s.id + 1) << {LINE_BITS}"
        " GROUP BY s.id ORDER BY s.id"
    )
    reasons = _reasons(store, "source_id")
    for s in sources:
        s["ok"] = s["ok"] or 0
        s["rejected"] = s["rejected"] or 0
        s["complete"] = bool(s["complete"])
        s["rejects_by_reason"] = reasons.get(s["id"], {})
    # Lines per tracker in one grouped pass over raw_lines: no index covers every line's tracker
    # (keeping one up to date slowed down storing every line), so a count per tracker would read
    # the whole table once for each tracker.
    trackers = store.query(
        "SELECT t.id, t.name, coalesce(r.lines, 0) AS lines,"
        " (SELECT count(*) FROM fixes f WHERE f.tracker_id = t.id) AS fixes,"
        " (SELECT min(time) FROM fixes f WHERE f.tracker_id = t.id) AS first_fix,"
        " (SELECT max(time) FROM fixes f WHERE f.tracker_id = t.id) AS last_fix,"
        " (SELECT count(*) FROM telemetry te WHERE te.tracker_id = t.id) AS packets,"
        f" (SELECT coalesce(sum(lost_before), 0) FROM link l WHERE {_FAULTS}) AS packets_lost,"
        f" (SELECT count(*) FROM link l WHERE {_FAULTS} AND crc_ok = 0) AS bad_crc"
        " FROM trackers t LEFT JOIN"
        " (SELECT tracker_id, count(*) AS lines FROM raw_lines GROUP BY tracker_id) r"
        " ON r.tracker_id = t.id ORDER BY t.name"
    )
    t_reasons = _reasons(store, "tracker_id")
    for t in trackers:
        t["rejects_by_reason"] = t_reasons.get(t["id"], {})
        t["rejected"] = sum(t["rejects_by_reason"].values())
        last = store.query(
            "SELECT time, lat, lon, alt_m FROM fixes WHERE tracker_id = ?"
            " ORDER BY time DESC LIMIT 1",
            (t["id"],),
        )
        t["last_position"] = last[0] if last else None
    return {"sources": sources, "trackers": trackers}


def _reasons(store: Store, column: str) -> dict[int, dict[str, int]]:
    """Rejects by reason per source or tracker; ``status = 'rejected'`` lets the partial index
    ``raw_lines_rejected`` find them without reading the ok lines."""
    out: dict[int, dict[str, int]] = {}
    # Reasons group by what comes before their first ': ' (the detail differs line by line).
    kind = "CASE WHEN instr(reason, ': ') > 0 THEN substr(reason, 1, instr(reason, ': ') - 1)"
    kind += " ELSE reason END"
    for row in store.query(
        f"SELECT {column} AS k, {kind} AS reason, count(*) AS n FROM raw_lines"
        f" WHERE status = 'rejected' GROUP BY {column}, 2 ORDER BY n DESC"
    ):
        if row["k"] is not None:
            out.setdefault(int(row["k"]), {})[str(row["reason"])] = int(row["n"])
    return out
