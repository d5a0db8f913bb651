"""The table of trackers: one line per tracker, drawn through Textual's Line API.

Each tracker's row is laid out here, in Python, as fixed-width columns of plain strings and
turned into one :class:`~textual.strip.Strip` (segments with ready-made styles; Rich never parses
or wraps anything). The strip is cached per tracker and rebuilt only when that tracker's shown
values, its place (zebra stripe, cursor), the width or the styles change, and only the changed
lines are repainted. A drain that changes k trackers therefore costs k row builds, not a render
of every cell of the table.

The columns shown depend on the width (:func:`~groundstation.tui.rows.choose_columns`): the
most important ones first, the rest as space allows. Narrower than the first few columns, the
table scrolls sideways. Which rows are shown, in what order, is the app's to say (:meth:`set_order`,
from :mod:`groundstation.tui.fleet`); the cursor stays on its tracker when the order changes.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import ClassVar, NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from groundstation.tui.model import TrackerState
from groundstation.tui.rows import (
    INDEX,
    PAD,
    Column,
    Row,
    choose_columns,
    fit,
    make_row,
)
from groundstation.tui.settings import Station
from groundstation.tui.text import safe


class _Look(NamedTuple):
    """The row styles of one generation: the widget's own, header, zebra rows, the cursor."""

    generation: int
    base: Style
    header: Style
    rows: tuple[Style, Style]
    cursor: Style
    cursor_colours: Style


@lru_cache(maxsize=256)
def _cell_style(row: Style, cell: str, over: Style | None) -> Style:
    """A cell's own style (stale, phase, low battery) on its row's; the cursor's colours win."""
    style = row + Style.parse(cell)
    return style + over if over is not None else style


class TrackerTable(ScrollView, can_focus=True):
    """Trackers in callsign order with a row cursor; only rows that changed are rebuilt."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("home", "cursor_first", "First", show=False),
        Binding("end", "cursor_last", "Last", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tracker-table--header",
        "tracker-table--even-row",
        "tracker-table--cursor",
    }

    DEFAULT_CSS = """
    TrackerTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        & > .tracker-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .tracker-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .tracker-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .tracker-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .tracker-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    class Highlighted(Message):
        """The cursor moved to another tracker (keys, a click, the first row appearing, or the
        selected tracker leaving the rows shown); ``tracker`` is ``None`` when no row is left."""

        def __init__(self, table: TrackerTable, tracker: str | None) -> None:
            super().__init__()
            self.table = table
            self.tracker = tracker

        @property
        def control(self) -> TrackerTable:
            return self.table

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._names: list[str] = []  # the rows shown, in their order
        self._index: dict[str, int] = {}
        self._rows: dict[str, Row] = {}  # every tracker's row, shown or filtered out
        self._cursor = 0
        self._station_known = False
        self._boundaries_known = False
        self._columns: tuple[Column, ...] = choose_columns(0, False)
        self._fitted_width = -1
        self._generation = 0  # bumped when every cached strip is out of date
        self._strips: dict[str, tuple[tuple[object, ...], Strip]] = {}
        self._header: tuple[int, Strip] | None = None
        self._looks: _Look | None = None
        self._sorted: tuple[str, str] | None = None  # (column key, arrow)
        self._placeholder = ""
        self.row_builds = 0
        """How many row strips were built (a measure of redraw work, for tests)."""

    # -- what is shown -------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """The trackers shown, in the order of their rows."""
        return tuple(self._names)

    @property
    def known(self) -> frozenset[str]:
        """Every tracker the table has a row for, shown or not."""
        return frozenset(self._rows)

    @property
    def columns(self) -> tuple[Column, ...]:
        """The columns shown at the current width."""
        return self._columns

    @property
    def selected(self) -> str | None:
        """The callsign of the row under the cursor."""
        return self._names[self._cursor] if self._names else None

    def cell(self, tracker: str, key: str) -> Text:
        """One cell of a tracker's row as styled text, whole (before fitting its column)."""
        row = self._rows[tracker]
        i = INDEX[key]
        return safe(row.values[i], row.styles[i])

    def show(self, t: TrackerState, now: datetime, station: Station | None) -> bool:
        """Keep the tracker's row up to date; True if anything in it changed.

        A new tracker's row is shown once :meth:`set_order` puts it in the order.
        """
        if (station is not None) != self._station_known:
            self._station_known = station is not None
            self._fit_columns(force=True)
        row = make_row(t, now, station)
        name = t.name
        if self._rows.get(name) == row:
            return False
        self._rows[name] = row
        index = self._index.get(name)
        if index is not None:
            self._refresh_row(index)
        return True

    def watch_boundaries(self, known: bool) -> None:
        """Give the crossings column room (or take it back) when boundaries are (not) watched."""
        if known != self._boundaries_known:
            self._boundaries_known = known
            self._fit_columns(force=True)

    def set_order(self, names: list[str], placeholder: str = "") -> bool:
        """Show the rows of ``names`` in this order (a new sort, a filter, new trackers).

        The cursor stays on the tracker it was on; if that one is no longer shown, it stays at
        the same place in the table and the app is told which tracker is selected now.
        ``placeholder`` is shown instead of rows when ``names`` is empty. True if it changed.
        """
        if names == self._names and placeholder == self._placeholder:
            return False
        selected = self.selected
        self._names = list(names)
        self._index = {name: i for i, name in enumerate(self._names)}
        self._placeholder = placeholder
        where = self._index.get(selected) if selected is not None else None
        if where is not None:
            self._cursor = where
        else:
            self._cursor = max(0, min(len(self._names) - 1, self._cursor))
            if self.selected != selected:
                self.post_message(self.Highlighted(self, self.selected))
        self._update_virtual_size()
        self.refresh()
        self.call_after_refresh(self._scroll_to_cursor)
        return True

    def sort_indicator(self, column: str | None, arrow: str = "") -> None:
        """Mark the header of the column the rows are sorted by."""
        marked = (column, arrow) if column is not None else None
        if marked != self._sorted:
            self._sorted = marked
            self._header = None
            self.refresh(Region(0, 0, self.size.width, 1))

    # -- layout --------------------------------------------------------------------------------
    def _content_width(self) -> int:
        return sum(c.width + 2 * PAD for c in self._columns)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self._content_width(), max(1, len(self._names)) + 1)

    def _fit_columns(self, force: bool = False) -> None:
        """Choose the columns for the width left beside the vertical scrollbar, if shown."""
        width = self.size.width
        if self.show_vertical_scrollbar:
            width -= self.styles.scrollbar_size_vertical
        if width == self._fitted_width and not force:
            return
        self._fitted_width = width
        columns = choose_columns(width, self._station_known, self._boundaries_known)
        if columns != self._columns:
            self._columns = columns
            self._update_virtual_size()
        self._invalidate()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns()

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        self._fit_columns()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._invalidate()

    def _invalidate(self) -> None:
        """Every cached strip is out of date (width, columns, styles or theme changed)."""
        self._generation += 1
        self.refresh()

    # -- drawing -------------------------------------------------------------------------------
    def _refresh_row(self, index: int) -> None:
        """Repaint the line of row ``index`` if it is on screen."""
        line = index - round(self.scroll_y) + 1
        if 1 <= line < self.size.height:
            self.refresh(Region(0, line, self.size.width, 1))

    def _look(self) -> _Look:
        """The styles rows are drawn with, worked out once per generation."""
        look = self._looks
        if look is None or look.generation != self._generation:
            base = self.rich_style
            cursor = self.get_component_rich_style("tracker-table--cursor")
            look = self._looks = _Look(
                self._generation,
                base,
                base + self.get_component_rich_style("tracker-table--header"),
                (base, base + self.get_component_rich_style("tracker-table--even-row")),
                base + cursor,
                Style.from_color(cursor.color, cursor.bgcolor),  # the cursor's colours win
            )
        return look

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = round(self.scroll_x)
        look = self._look()
        if y == 0:
            strip = self._header_strip(look)
        else:
            index = round(self.scroll_y) + y - 1
            if index == 0 and not self._names and self._placeholder:
                text = " " * PAD + self._placeholder
                strip = Strip([Segment(text, look.base + Style(dim=True, italic=True))])
                return strip.crop_extend(scroll_x, scroll_x + width, look.base)
            if index >= len(self._names):
                return Strip.blank(width, look.base)
            strip = self._row_strip(index, look)
        return strip.crop_extend(scroll_x, scroll_x + width, look.base)

    def _line_width(self) -> int:
        return max(self._content_width(), self.size.width)

    def _header_strip(self, look: _Look) -> Strip:
        if self._header is not None and self._header[0] == self._generation:
            return self._header[1]
        pad = " " * PAD
        marked, arrow = self._sorted or (None, "")
        labels = ((c, c.label + (" " + arrow if c.key == marked else "")) for c in self._columns)
        text = "".join(pad + fit(label, c.width, c.key != "callsign") + pad for c, label in labels)
        strip = Strip([Segment(text, look.header)]).extend_cell_length(
            self._line_width(), look.header
        )
        self._header = (self._generation, strip)
        return strip

    def _row_strip(self, index: int, look: _Look) -> Strip:
        name = self._names[index]
        row = self._rows[name]
        cursor = index == self._cursor
        key = (row, cursor, index % 2, self._generation)
        cached = self._strips.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        row_style = look.cursor if cursor else look.rows[index % 2]
        over = look.cursor_colours if cursor else None
        pad = " " * PAD
        parts: list[tuple[str, Style]] = []
        for c in self._columns:
            i = INDEX[c.key]
            cell_style = row.styles[i]
            style = _cell_style(row_style, cell_style, over) if cell_style else row_style
            text = fit(row.values[i], c.width, c.key != "callsign")
            parts += ((pad, row_style), (text, style), (pad, row_style))
        # neighbouring parts in one style become one segment
        segments: list[Segment] = []
        run: list[str] = []
        run_style = row_style
        for text, style in parts:
            if style is not run_style and style != run_style:
                segments.append(Segment("".join(run), run_style))
                run, run_style = [], style
            run.append(text)
        segments.append(Segment("".join(run), run_style))
        strip = Strip(segments).extend_cell_length(self._line_width(), row_style)
        self._strips[name] = (key, strip)
        self.row_builds += 1
        return strip

    # -- the cursor ----------------------------------------------------------------------------
    def move_cursor(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped) and tell the app if the tracker changed."""
        if not self._names:
            return
        index = max(0, min(len(self._names) - 1, index))
        if index == self._cursor:
            return
        self._refresh_row(self._cursor)
        self._cursor = index
        self._refresh_row(index)
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self, self._names[index]))

    def _rows_visible(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_y)
        visible_rows = self._rows_visible()
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + visible_rows:
            self.scroll_to(y=self._cursor - visible_rows + 1, animate=False)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self._names) - 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._rows_visible())

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._rows_visible())

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return  # the header or a scrollbar
        index = round(self.scroll_y) + offset.y - 1
        if index < len(self._names):
            self.move_cursor(index)
