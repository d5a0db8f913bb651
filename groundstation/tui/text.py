"""Showing untrusted text (callsigns, telemetry, port names) literally in the terminal.

Anything from the air may contain Rich markup (``[bold]``, ``[link=...]``) or terminal escape
bytes. Everything shown goes through :func:`safe` into a :class:`rich.text.Text`, which Rich never
parses for markup, with control characters replaced by visible escapes such as ``\\x1b``.
"""

from __future__ import annotations

from rich.text import Text

_CONTROL = {c: f"\\x{c:02x}" for c in range(32)} | {c: f"\\x{c:02x}" for c in range(127, 160)}


def visible(text: str) -> str:
    """``text`` with every control character (C0, DEL, C1) written as a visible ``\\xNN``."""
    return text.translate(_CONTROL)


def safe(text: str, style: str = "") -> Text:
    """A Rich ``Text`` that shows ``text`` character for character (no markup, no escapes)."""
    return Text(visible(text), style=style, no_wrap=True, overflow="ellipsis")
