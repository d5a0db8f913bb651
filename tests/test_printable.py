"""Untrusted text for the terminal: nothing in it can steer the terminal or the reading order."""

from __future__ import annotations

import pytest

from groundstation.printable import printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("EMU1", "EMU1"),
        ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),
        ("\x9b2J", "\\x9b2J"),
        ("A\x00B\x7f", "A\\x00B\\x7f"),
        ("\u202eLIVE\u202c", "\\u202eLIVE\\u202c"),  # right-to-left override and its end
        ("x\u2067y\u2069", "x\\u2067y\\u2069"),  # right-to-left isolate
        ("a\u200fb\u061c", "a\\u200fb\\u061c"),  # direction marks
        ("Zürich Ω [b]x[/b]", "Zürich Ω [b]x[/b]"),  # letters and markup text stay as they are
    ],
)
def test_controls_and_direction_overrides_are_shown_not_obeyed(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert printable(raw).isprintable()
