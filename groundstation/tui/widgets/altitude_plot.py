"""Altitude against time as a braille plot (2 x 4 dots per character cell)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row][column] in a cell
LABEL_WIDTH = 7


def braille_rows(
    points: Sequence[tuple[float, float]], width: int, height: int, top: float
) -> list[str]:
    """``points`` (time, altitude) drawn into ``height`` rows of ``width`` braille characters.

    Time runs from the first point at the left to the last at the right; altitude from 0 at the
    bottom to ``top``. Each dot column shows the highest altitude that fell into it.
    """
    if width <= 0 or height <= 0:
        return []
    cells = [[0] * width for _ in range(height)]
    if points and top > 0:
        t0, t1 = points[0][0], points[-1][0]
        span = t1 - t0 or 1.0
        xs, ys = width * 2, height * 4
        best: list[float | None] = [None] * xs
        for t, alt in points:
            x = min(xs - 1, int((t - t0) / span * (xs - 1) + 0.5))
            previous = best[x]
            if previous is None or alt > previous:
                best[x] = alt
        previous_y: int | None = None
        for x, best_alt in enumerate(best):
            if best_alt is None:
                continue
            y = ys - 1 - min(ys - 1, max(0, int(best_alt / top * (ys - 1) + 0.5)))
            # join to the previous column so a fast descent is a line, not scattered dots
            lo, hi = (y, y) if previous_y is None else sorted((y, previous_y))
            for yy in range(lo, hi + 1):
                cells[yy // 4][x // 2] |= _DOTS[yy % 4][x % 2]
            previous_y = y
    return ["".join(chr(0x2800 + c) for c in row) for row in cells]


def nice_top(value: float) -> float:
    """The axis top: ``value`` rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    scale = 10 ** (len(str(int(value))) - 1)
    for step in (1, 1.5, 2, 3, 4, 5, 6, 8, 10):
        if value <= step * scale:
            return float(step * scale)
    return float(10 * scale)


class AltitudePlot(Widget):
    """Plots the (time, altitude) points it is given; redraws when resized."""

    DEFAULT_CSS = """
    AltitudePlot { height: 1fr; min-height: 3; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._points: list[tuple[float, float]] = []
        self._caption = ""

    def plot(self, points: list[tuple[float, float]], caption: str = "") -> None:
        if points != self._points or caption != self._caption:
            self._points = points
            self._caption = caption
            self.refresh()

    def render(self) -> RenderableType:
        width = max(0, self.size.width - LABEL_WIDTH)
        height = max(0, self.size.height - 1)
        if not self._points:
            return Text("no altitude yet", style="dim")
        top = nice_top(max(alt for _, alt in self._points))
        rows = braille_rows(self._points, width, height, top)
        out = Text(no_wrap=True, overflow="crop")
        for i, row in enumerate(rows):
            label = f"{top:>6,.0f} " if i == 0 else ("     0 " if i == len(rows) - 1 else "")
            out.append(f"{label:<{LABEL_WIDTH}}", style="dim")
            out.append(row, style="#5fd7ff")
            out.append("\n")
        out.append(" " * LABEL_WIDTH + self._caption, style="dim")
        return out
