"""The help screen: what the keys do and what the colours mean."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
Keys
  up/down, j/k   select a tracker (or click its row)
  m              export the selected flight's map (HTML)
  e              show or hide the event log
  ?              this help
  q              quit: ports are closed and everything received is stored

Table
  Age            time since anything was heard from the tracker
  Rate           smoothed vertical rate, m/s (positive up)
  Spd Hdg        ground speed m/s and heading, degrees true
  Range Brg Elev where to point the antenna from the station (--station)
  Pkts Lost Bad  packets received, packets missed, lines with a bad checksum or CRC

A red row has not been heard for longer than --stale-after seconds.
Press escape, ? or q to close this help."""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close"),
        Binding("q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Static(Text(HELP), id="help-text")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
