"""The main screen: fleet summary and tracker table on top, detail and event log below,
status bar at the bottom."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer

from groundstation.tui.widgets.detail import DetailPane
from groundstation.tui.widgets.event_log import EventLog
from groundstation.tui.widgets.fleet_summary import FleetSummary
from groundstation.tui.widgets.status_bar import StatusBar
from groundstation.tui.widgets.tracker_table import TrackerTable


class MainScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield FleetSummary(id="summary")
        yield TrackerTable(id="trackers")
        with Horizontal(id="lower"):
            yield DetailPane(id="detail")
            yield EventLog(id="events")
        yield StatusBar(id="status")
        yield Footer()
