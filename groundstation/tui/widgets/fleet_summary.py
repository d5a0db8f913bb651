"""The summary line above the table: how many trackers of each kind, the filter and the sort.

"100 trackers · 61 airborne · 20 descending · 14 crossed · 30 landed · 3 lost   sort altitude ▼"

The count of the kind the table is filtered to is highlighted, and while a filter is on the line
says so in words ("only crossed"), where a highlight alone is easy to miss. Narrower than the
full wording, shorter words are used, and the sort order is left to the arrow in the table's
header (the filter's words stay as long as they fit).
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from groundstation.tui.fleet import FilterKey, FleetCounts

_WORDS: tuple[tuple[FilterKey, str, str], ...] = (
    ("all", "trackers", "trk"),
    ("airborne", "airborne", "air"),
    ("descending", "descending", "desc"),
    ("crossed", "crossed", "crossed"),
    ("landed", "landed", "landed"),
    ("lost", "lost", "lost"),
)
_WORD = {kind: word for kind, word, _ in _WORDS}
KIND_STYLES: dict[str, str] = {
    "airborne": "#5fd75f",
    "descending": "#ffaf00",
    "crossed": "#5fd7ff",
    "landed": "#d787ff",
    "lost": "bold #ff5f5f",
}
CHOSEN_STYLE = "reverse bold"


def summary_text(
    counts: FleetCounts,
    chosen: FilterKey,
    sort: str,
    *,
    boundaries: bool,
    width: int,
) -> Text:
    """The summary in ``width`` cells: the full words if they fit, else the short ones."""
    kinds = [k for k in _WORDS if boundaries or k[0] != "crossed"]
    only = "" if chosen == "all" else f"only {_WORD[chosen]}"
    # what may follow the counts, longest first: the filter and the sort, the filter, the sort
    tails = [f"{only} · {sort}" if sort else only, only] if only else [sort]
    tails = [t for t in tails if t]
    for short in (False, True):
        line = Text(no_wrap=True, overflow="ellipsis")
        for n, (kind, word, brief) in enumerate(kinds):
            if n:
                line.append(" · ", style="dim")
            number = counts.of(kind)
            style = KIND_STYLES.get(kind, "bold") if number or kind == "all" else "dim"
            if kind == chosen:
                style = CHOSEN_STYLE
            line.append(f"{number} {brief if short else word}", style=style)
        fitting = [t for t in tails if line.cell_len + 3 + len(t) <= width]
        if only and not short and not fitting:
            continue  # the short words leave room to say which filter is on
        if fitting:
            tail = fitting[0]
            line.append("   ")
            if only:
                line.append(only, style=CHOSEN_STYLE)
                tail = tail[len(only) :]
            line.append(tail, style="dim")
        if line.cell_len <= width or short:
            return line
    raise AssertionError("unreachable")


class FleetSummary(Widget):
    """One line, redrawn when the counts, the filter or the sort change, or on a resize."""

    DEFAULT_CSS = """
    FleetSummary {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.counts = FleetCounts()
        self.chosen: FilterKey = "all"
        self.sort = ""
        self.boundaries = False

    def show(self, counts: FleetCounts, chosen: FilterKey, sort: str, boundaries: bool) -> None:
        state = (counts, chosen, sort, boundaries)
        if state != (self.counts, self.chosen, self.sort, self.boundaries):
            self.counts, self.chosen, self.sort, self.boundaries = state
            self.refresh()

    @property
    def text(self) -> Text:
        return summary_text(
            self.counts,
            self.chosen,
            self.sort,
            boundaries=self.boundaries,
            width=self.content_region.width or 80,
        )

    def render(self) -> Text:
        return self.text
