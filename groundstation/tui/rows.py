"""A tracker's row in the live view's table, as plain strings: the columns, which of them fit
a width, and each cell's text and style (no Textual here; the table widget draws these).

Untrusted text (the callsign) is made visible here (control and bidirectional characters as
codes); the widget never parses markup.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size

from groundstation.flight import look_angles
from groundstation.tui.fleet import state
from groundstation.tui.model import TrackerState
from groundstation.tui.settings import Station
from groundstation.tui.text import visible

STALE_STYLE = "bold #ff5f5f"
"""Rows of trackers not heard for ``stale_after_s`` take this style."""
LOW_BATTERY_STYLE = "bold #ffaf00"
PHASE_STYLES = {
    "pre-launch": "#a8a8a8",
    "ascent": "#5fd75f",
    "float": "#5fafff",
    "descent": "#ffaf00",
    "landed": "#d787ff",
    "lost": "bold #ff5f5f",
}
CROSSED_STYLE = "bold #5fd7ff"
PAD = 1
"""Blank cells either side of each column (two between neighbours)."""


class Column(NamedTuple):
    key: str
    label: str
    width: int


COLUMNS = (
    Column("callsign", "Callsign", 10),
    Column("age", "Age", 6),
    Column("alt", "Alt m", 7),
    Column("rate", "Rate", 6),
    Column("phase", "Phase", 10),
    Column("cross", "Cross", 5),
    Column("lat", "Lat", 9),
    Column("lon", "Lon", 10),
    Column("speed", "Spd Hdg", 9),
    Column("range", "Range", 8),
    Column("bearing", "Brg", 4),
    Column("elev", "Elev", 5),
    Column("battery", "Batt", 5),
    Column("temp", "Temp i/e", 10),
    Column("link", "RSSI/SNR", 11),
    Column("packets", "Pkts", 6),
    Column("lost", "Lost", 5),
    Column("bad", "Bad", 4),
)
KEYS = tuple(c.key for c in COLUMNS)
INDEX = {key: i for i, key in enumerate(KEYS)}
"""Where each column's value is in a :class:`Row`."""
PRIORITY: tuple[tuple[str, ...], ...] = (
    ("callsign",), ("age",), ("alt",), ("rate",), ("phase",), ("cross",), ("range", "bearing"),
    ("elev",),
    ("battery",), ("speed",), ("link",), ("lat", "lon"), ("packets", "lost"), ("bad",), ("temp",),
)  # fmt: skip
"""Which columns stay when the terminal is narrow: the first groups that fit, in this order
(a group is shown whole or not at all: latitude without longitude helps nobody)."""
STATION_COLUMNS = frozenset({"range", "bearing", "elev"})
"""Columns that are always "-" without a station position; not given room until one is known."""
BOUNDARY_COLUMNS = frozenset({"cross"})
"""Columns that mean nothing while no boundary is watched; not given room until one is."""


def age_text(seconds: float | None) -> str:
    """5s, 3m05s, 2h04m: short enough for the column, precise enough to watch it count."""
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def _num(value: float | None, fmt: str, unit: str = "") -> str:
    return "-" if value is None else f"{value:{fmt}}{unit}"


def row_values(t: TrackerState, now: datetime, station: Station | None) -> dict[str, str]:
    """The text of each cell of a tracker's row (untrusted parts are made safe later)."""
    fix = t.last_fix
    values = dict.fromkeys(KEYS, "-")
    values["callsign"] = t.name
    values["age"] = age_text(t.age_s(now))
    values["phase"] = state(t) or "-"
    values["cross"] = str(len(t.crossings))
    if fix is not None:
        values["lat"] = f"{fix.lat:.5f}"
        values["lon"] = f"{fix.lon:.5f}"
        values["alt"] = _num(fix.alt_m, ".0f")
        speed = t.velocity.speed_mps if t.velocity is not None else fix.speed_mps
        heading = t.velocity.heading_deg if t.velocity is not None else fix.course_deg
        if speed is not None:
            values["speed"] = f"{speed:.1f} " + ("---" if heading is None else f"{heading:03.0f}")
        if station is not None:
            look = look_angles(
                station.lat, station.lon, station.alt_m, fix.lat, fix.lon, fix.alt_m or 0.0
            )
            values["range"] = f"{look.ground_range_m / 1000:.1f}km"
            values["bearing"] = f"{look.azimuth_deg:03.0f}"
            values["elev"] = f"{look.elevation_deg:.1f}"
    values["rate"] = _num(t.ascent_mps, "+.1f")
    values["battery"] = _num(t.battery_v, ".2f")
    if t.temp_int_c is not None or t.temp_ext_c is not None:
        values["temp"] = f"{_num(t.temp_int_c, '.0f')}/{_num(t.temp_ext_c, '.0f')}"
    if t.rssi_dbm is not None or t.snr_db is not None:
        values["link"] = f"{_num(t.rssi_dbm, '.0f')}/{_num(t.snr_db, '.1f')}"
    values["packets"] = str(t.received)
    values["lost"] = str(t.lost)
    values["bad"] = str(t.bad)
    return values


class Row(NamedTuple):
    """What one tracker's row shows: cell texts (control characters escaped) and their styles,
    both in :data:`COLUMNS` order."""

    values: tuple[str, ...]
    styles: tuple[str, ...]


def make_row(t: TrackerState, now: datetime, station: Station | None) -> Row:
    values = row_values(t, now, station)
    if t.stale:
        styles = [STALE_STYLE] * len(KEYS)
    else:
        styles = [""] * len(KEYS)
        styles[INDEX["phase"]] = PHASE_STYLES.get(values["phase"], "")
        if t.crossings:
            styles[INDEX["cross"]] = CROSSED_STYLE
        if t.low_battery:
            styles[INDEX["battery"]] = LOW_BATTERY_STYLE
    return Row(tuple(visible(values[k]) for k in KEYS), tuple(styles))


def choose_columns(
    width: int, station_known: bool, boundaries_known: bool = False
) -> tuple[Column, ...]:
    """The columns that fit in ``width`` cells, picked by :data:`PRIORITY`, in table order.

    The callsign is always shown, even when it alone is wider than ``width``.
    """
    chosen: set[str] = set()
    used = 0
    for group in PRIORITY:
        if not station_known and STATION_COLUMNS.intersection(group):
            continue
        if not boundaries_known and BOUNDARY_COLUMNS.intersection(group):
            continue
        need = sum(COLUMNS[INDEX[key]].width + 2 * PAD for key in group)
        if used + need <= width or not chosen:
            chosen.update(group)
            used += need
    return tuple(c for c in COLUMNS if c.key in chosen)


def fit(text: str, width: int, right: bool) -> str:
    """``text`` in exactly ``width`` cells: padded, or cut with an ellipsis."""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    return " " * (width - length) + text if right else text + " " * (width - length)
