"""Untrusted text (callsigns, telemetry, file names) made safe for a terminal.

Control characters, terminal escapes among them, print as visible ``\\xNN`` codes, so a
callsign can never move the cursor, clear the screen or retitle the window.
"""

from __future__ import annotations

_CONTROL = (
    {c: f"\\x{c:02x}" for c in range(32)}
    | {127: "\\x7f"}
    | {
        c: f"\\x{c:02x}"
        for c in range(0x80, 0xA0)  # C1 controls (CSI etc.) too
    }
)


def printable(text: str) -> str:
    return text.translate(_CONTROL)
