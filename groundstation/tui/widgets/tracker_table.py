"""The table of trackers: one row each, updated cell by cell as values change."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from rich.text import Text
from textual.widgets import DataTable

from groundstation.flight import look_angles
from groundstation.tui.model import TrackerState
from groundstation.tui.settings import Station
from groundstation.tui.text import safe

STALE_STYLE = "bold #ff5f5f"
"""Rows of trackers not heard for ``stale_after_s`` take this style."""
PHASE_STYLES = {
    "pre-launch": "#a8a8a8",
    "ascent": "#5fd75f",
    "float": "#5fafff",
    "descent": "#ffaf00",
    "landed": "#d787ff",
}


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
    values = {c.key: "-" for c in COLUMNS}
    values["callsign"] = t.name
    values["age"] = age_text(t.age_s(now))
    analysis = t.analysis
    values["phase"] = (analysis.phase if analysis is not None else None) or "-"
    flight = analysis.flight if analysis is not None else None
    if flight is not None and flight.status == "signal lost" and flight.phases[-1] != "landed":
        values["phase"] = "lost"
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


class TrackerTable(DataTable[Text]):
    """Trackers in callsign order; only cells whose text or style changed are redrawn."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._shown: dict[tuple[str, str], tuple[str, str]] = {}

    def on_mount(self) -> None:
        for column in COLUMNS:
            label = Text(column.label, justify="left" if column.key == "callsign" else "right")
            self.add_column(label, key=column.key, width=column.width)

    def show(self, t: TrackerState, now: datetime, station: Station | None) -> None:
        """Add the tracker's row or update the cells of it that changed."""
        values = row_values(t, now, station)
        stale = STALE_STYLE if t.stale else ""
        styles = {key: stale for key in values}
        if not stale:
            styles["phase"] = PHASE_STYLES.get(values["phase"], "")
            if t.low_battery:
                styles["battery"] = "bold #ffaf00"
        row = t.name
        if row not in self.rows:
            cells = [self._cell(c.key, values[c.key], styles[c.key]) for c in COLUMNS]
            selected = self.selected
            self.add_row(*cells, key=row)
            for c in COLUMNS:
                self._shown[(row, c.key)] = (values[c.key], styles[c.key])
            self.sort("callsign", key=lambda cell: cell.plain)
            if selected is not None:
                self.move_cursor(row=self.get_row_index(selected), animate=False)
            return
        for c in COLUMNS:
            shown = (values[c.key], styles[c.key])
            if self._shown.get((row, c.key)) != shown:
                self._shown[(row, c.key)] = shown
                self.update_cell(row, c.key, self._cell(c.key, *shown))

    @staticmethod
    def _cell(key: str, value: str, style: str) -> Text:
        text = safe(value, style)
        if key != "callsign":
            text.justify = "right"
        return text

    @property
    def selected(self) -> str | None:
        """The callsign of the row under the cursor."""
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value
