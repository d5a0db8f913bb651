"""The help screen: what the keys do and what the colours mean."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
Keys
  up/down j/k  select a tracker (or click it); pgup/pgdn, home/end
  s / S        sort by the next / previous: name, altitude, range,
               last heard, state (lost and descending first)
  r            reverse the sort (▲▼ in the header marks the sorted column)
  f / F        show all / airborne / descending / crossed / lost / landed
  m            export the selected flight's map (HTML)
  e            show or hide the event log
  ? / q        this help / quit (ports closed, everything stored)

Columns
  Age          time since the tracker was last heard
  Rate         smoothed vertical rate, m/s (positive up)
  Spd Hdg      ground speed m/s and heading, degrees true
  Range Brg    where to point the antenna from the station (--station)
  Cross        crossings of the boundaries watched (--boundary)
  Pkts Lost    packets received and missed; Bad: failed checksum or CRC

Red: silent longer than --stale-after; "lost": silent while airborne.
Press escape, ? or q to close this help."""
"""At most 74 columns and 20 lines: with its border and padding it fits an 80x24 terminal."""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close"),
        Binding("q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text(HELP, no_wrap=True), id="help-text")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
