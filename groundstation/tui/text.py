"""Showing untrusted text (callsigns, telemetry, port names) literally in the terminal.

Anything from the air may contain Rich markup (``[bold]``, ``[link=...]``), terminal escape
bytes or bidirectional overrides. Everything shown goes through :func:`safe` into a
:class:`rich.text.Text`, which Rich never parses for markup, with control characters written
as visible escapes such as ``\\x1b`` and bidirectional controls as ``\\u202e``
(:func:`groundstation.printable.printable`, the same rule as the command line's output).
"""

from __future__ import annotations

from rich.text import Text

from groundstation.printable import printable


def visible(text: str) -> str:
    """``text`` with every control character (C0, DEL, C1) and bidirectional control written
    visibly (``\\xNN``, ``\\uNNNN``)."""
    return printable(text)


def safe(text: str, style: str = "") -> Text:
    """A Rich ``Text`` that shows ``text`` character for character (no markup, no escapes)."""
    return Text(visible(text), style=style, no_wrap=True, overflow="ellipsis")
