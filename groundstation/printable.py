"""Untrusted text (callsigns, telemetry, file names) made safe for a terminal.

Control characters, terminal escapes among them, print as visible ``\\xNN`` codes, so a
callsign can never move the cursor, clear the screen or retitle the window. Bidirectional
controls (right-to-left overrides, embeddings and isolates, and the invisible direction marks)
print as visible ``\\uNNNN`` codes, so a callsign cannot make the text around it read backwards.
"""

from __future__ import annotations

_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))

_CONTROL = (
    {c: f"\\x{c:02x}" for c in range(32)}
    | {127: "\\x7f"}
    | {
        c: f"\\x{c:02x}"
        for c in range(0x80, 0xA0)  # C1 controls (CSI etc.) too
    }
    | {c: f"\\u{c:04x}" for c in _BIDI}
)


def printable(text: str) -> str:
    """``text`` with every control and bidirectional control character written visibly."""
    return text.translate(_CONTROL)
