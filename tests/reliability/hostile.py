"""Hostile telemetry: strings anyone with a radio can send, and lines that carry them.

Shared by the reliability tests and by any view or export that shows received text: import
``TEXTS`` (or the groups) and check that each is stored exactly and shown harmlessly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from firmware_protocol import crc16_ccitt, encode_packet, nmea_sentence, to_wire

HTML = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "\"'><svg onload=alert(1)>",
    "<!--",
    "&lt;b&gt;&amp;",
]
JAVASCRIPT = ["javascript:alert(1)", "${alert(1)}", "`+alert(1)+`", "\\u0022);alert(1);//"]
RICH_MARKUP = ["[bold red]X[/]", "[link=http://x]y[/link]", "[/]", "[blink]", ":skull:"]
TERMINAL = [
    "\x1b[2J",
    "\x1b]0;title\x07",
    "A\x1b[31mred\x1b[0m",
    "\x1b]8;;http://x\x1b\\y",
    "\r\x1b[K",
]
BINARY = ["A\x00B", "\x00", "\x7f\x08\x08", "\u202eevil", "\ufeffbom"]
LONG = ["x" * 10_000, "<" * 10_000]
PATHS = ["../../etc/passwd", "a/b", "C:\\x", "/dev/null", "~", "..", "CON", "x\ny"]
SQL_AND_FORMAT = ["'; DROP TABLE fixes; --", "%s%n%x", "{0.__class__}", "NULL", ""]

TEXTS = HTML + JAVASCRIPT + RICH_MARKUP + TERMINAL + BINARY + LONG + PATHS + SQL_AND_FORMAT
"""Every hostile string (some are not valid in every place: see the helpers below)."""

ARGV_TEXTS = [t for t in TEXTS if "\x00" not in t and t]
"""Those a command line can carry (no NUL, not empty): for ``--tracker`` and file names."""

FILE_NAMES = [
    "[bold red]X[blink].log",
    "[link=http:evil]y.log",
    "\x1b[2J\x1b]0;title\x07.log",
    "<img src=x onerror=alert(1)>.log",
    "x" * 200 + ".log",
]
"""File names a hostile log could arrive with (no '/' or NUL: the file system forbids them)."""

CALLSIGN_OK = "GOOD1"
T0 = datetime(2024, 6, 1, 10, 0, 0, tzinfo=UTC)


def _protocol_safe(text: str, forbidden: str) -> bool:
    return bool(text) and text.isascii() and text.isprintable() and not set(text) & set(forbidden)


PHABT_EXTRAS = [t for t in TEXTS if _protocol_safe(t, ",*;=$") and len(t) <= 120]
"""Hostile values our protocol lets through as ``$PHABT`` extras (printable ASCII without
``, * ; = $``, and the line under 250 bytes)."""
UKHAS_EXTRAS = [t for t in TEXTS if _protocol_safe(t, ",*$") and len(t) <= 150]
"""Hostile values a UKHAS sentence may carry as extra fields (no ``, * $``)."""


def hostile_callsign_lines() -> list[bytes]:
    """Our protocol's lines and UKHAS sentences naming themselves with every hostile string,
    each with a correct checksum (NMEA XOR, CRC16): only the callsign rule can reject them."""
    lines = []
    for n, text in enumerate(TEXTS):
        name = text.encode("utf-8", "surrogateescape")
        body = b"PHABT," + name + b",%d,100000.00,4.10,20.0,-5.0,1000.00," % n
        lines.append(_nmea(body))
        ukhas = name + b",%d,10:00:00,52.1,0.1,1000" % n
        lines.append(b"$$" + ukhas + b"*%04X" % crc16_ccitt(ukhas))
    return lines


def phabt_extras_lines() -> list[bytes]:
    """Intact packets from ``CALLSIGN_OK`` whose extras carry the hostile values our protocol
    allows."""
    lines: list[bytes] = []
    for seq, value in enumerate(PHABT_EXTRAS):
        t = T0 + timedelta(seconds=seq)
        packet = encode_packet(
            CALLSIGN_OK, seq, t, 52.1 + seq * 1e-4, 0.1, 1000.0 + seq, 5.0, 90.0, 9, 0.9,
            4.1, 20.0, -5.0, 900.0, {"note": value},
        )  # fmt: skip
        lines += to_wire(packet).splitlines()
    return lines


def ukhas_extras_lines() -> list[bytes]:
    """UKHAS sentences from ``UKHOSTILE`` with the hostile values UKHAS allows as extra fields."""
    lines = []
    for n, value in enumerate(UKHAS_EXTRAS):
        body = f"UKHOSTILE,{n + 1},11:00:{n % 60:02d},52.2,0.2,1500,{value}".encode()
        lines.append(b"$$" + body + b"*%04X" % crc16_ccitt(body))
    return lines


def _nmea(body: bytes) -> bytes:
    checksum = 0
    for b in body:
        checksum ^= b
    return b"$" + body + b"*%02X" % checksum


def plain_nmea(epochs: int = 5) -> list[str]:
    """A few valid plain-NMEA fixes (their tracker is ``--tracker NAME`` or the file's name)."""
    out = []
    for i in range(epochs):
        hms = (T0 + timedelta(seconds=i)).strftime("%H%M%S.00")
        lat = f"5206.{i:05d}"
        out.append(nmea_sentence(f"GPGGA,{hms},{lat},N,00006.00000,E,1,09,0.9,{100 + i}.0,M,,,,"))
        out.append(nmea_sentence(f"GPRMC,{hms},A,{lat},N,00006.00000,E,5.0,90.0,010624,,,A"))
    return out
