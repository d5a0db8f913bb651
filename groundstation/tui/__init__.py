"""The launch crew's live view: a Textual app over the ingest pipeline and the store.

Only this package imports ``textual``. The pieces that need no terminal (the tracker model, the
analysis, the fleet's sort/filter/counts, boundary crossings, the table rows, the data sources
and the safe-text helpers) live in their own modules here and import nothing from Textual, so
they can be tested and reused without it.
"""

from __future__ import annotations

from groundstation.tui.settings import LiveSettings, Station

__all__ = ["LiveSettings", "Station"]
