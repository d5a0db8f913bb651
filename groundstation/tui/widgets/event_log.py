"""The event log: launches, bursts, landings, lost and regained signals, ports coming and going."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog

from groundstation.tui.model import LogEvent
from groundstation.tui.text import safe

KIND_STYLES = {
    "launch": "bold #5fd75f",
    "burst": "bold #ff87d7",
    "landing": "bold #d787ff",
    "signal lost": "bold #ff5f5f",
    "signal regained": "#5fd75f",
    "low battery": "bold #ffaf00",
    "port": "#ffaf00",
    "crossing": "bold #5fd7ff",
}


def event_line(event: LogEvent) -> Text:
    line = Text(overflow="fold")  # a long word (a hostile name) folds instead of being cut
    line.append(f"{event.time:%H:%M:%S} ", style="dim")
    if event.tracker is not None:
        line.append_text(safe(event.tracker, "bold"))
        line.append(" ")
    line.append_text(safe(event.text, KIND_STYLES.get(event.kind, "")))
    return line


class EventLog(RichLog):
    """Newest events at the bottom; never parses markup. An event longer than the pane is
    wrapped onto the next line, never cut: a crossing's altitude or a landing's longitude is at
    the end of its line."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            markup=False, highlight=False, wrap=True, min_width=16, max_lines=2000,
            **kwargs,  # type: ignore[arg-type]
        )  # fmt: skip
        self.border_title = "Events"

    def add(self, events: Iterable[LogEvent]) -> None:
        for event in events:
            self.write(event_line(event))
