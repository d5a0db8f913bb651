"""One line at the bottom: each port's state, the writer's health, and the last message."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from groundstation.models import SourceEvent
from groundstation.tui.settings import Station
from groundstation.tui.text import safe

STATE_STYLES = {
    "open": "#5fd75f",
    "closed": "#a8a8a8",
    "lost": "bold #ff5f5f",
    "retrying": "#ffaf00",
    "error": "bold #ff5f5f",
}


class StatusBar(Static):
    """Rebuilt from the state it is given; cheap enough to redraw every second."""

    def show(
        self,
        ports: dict[str, SourceEvent],
        now: datetime,
        station: Station | None,
        message: str = "",
        error: str | None = None,
    ) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"{now:%H:%M:%S}Z ", style="bold")
        if not ports:
            line.append("no source yet ", style="dim")
        for event in ports.values():
            line.append_text(safe(event.name))
            state: str = event.state
            if state == "closed" and event.detail:
                state = event.detail
            line.append(f" {state}  ", style=STATE_STYLES.get(event.state, ""))
        if station is not None:
            line.append(f"stn {station.lat:.4f},{station.lon:.4f}  ", style="dim")
        if error:
            line.append_text(safe(error, "bold #ff5f5f"))
            line.append("  ")
        if message:
            line.append_text(safe(message, "italic"))
        self.update(line, layout=False)
