"""Field syntax shared by the encoders and decoders: callsigns, fixed-point numbers, times.

Numbers go on the wire as fixed-point decimals: the encoder first rounds a value to an integer
count of its last digit (centivolts, decidegrees, ...) and then prints that integer with a
decimal point. The C reference encoder takes those integers directly, so the Python and C
encoders produce the same bytes for the same quantised values.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from firmware_protocol.errors import FieldError, ProtocolError

CALLSIGN_RE = re.compile(r"[A-Za-z0-9_-]{1,16}")
EXTRA_NAME_RE = re.compile(r"[A-Za-z0-9_]{1,16}")
EXTRA_VALUE_RE = re.compile(r"[\x20-\x7e]+")
EXTRA_VALUE_FORBIDDEN = frozenset(",*;=$")
DECIMAL_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
INTEGER_RE = re.compile(r"-?[0-9]+")
SEQ_MODULUS = 65536


def check_callsign(callsign: str) -> str:
    if not CALLSIGN_RE.fullmatch(callsign):
        raise FieldError(f"callsign {callsign!r} is not 1 to 16 characters of A-Z a-z 0-9 _ -")
    return callsign


def check_seq(seq: int) -> int:
    if not 0 <= seq < SEQ_MODULUS:
        raise FieldError(f"sequence number {seq} is outside 0..65535")
    return seq


def check_extras(extras: dict[str, str]) -> dict[str, str]:
    for name, value in extras.items():
        if not EXTRA_NAME_RE.fullmatch(name):
            raise FieldError(f"extra name {name!r} is not 1 to 16 characters of A-Z a-z 0-9 _")
        if not EXTRA_VALUE_RE.fullmatch(value) or EXTRA_VALUE_FORBIDDEN.intersection(value):
            raise FieldError(
                f"extra {name} has value {value!r}: it must be printable ASCII, "
                "at least one character, without , * ; = $"
            )
    return extras


def quantise(value: float, decimals: int, name: str) -> int:
    """A value as an integer count of 10**-decimals (3.714 V, 2 decimals -> 371)."""
    if not math.isfinite(value):
        raise ProtocolError(f"{name} must be a finite number, not {value}")
    scaled: int = round(value * 10**decimals)
    return scaled


def fixed(scaled: int, decimals: int) -> str:
    """Print an integer count of 10**-decimals: (-123, 1) -> "-12.3", (5, 2) -> "0.05"."""
    sign = "-" if scaled < 0 else ""
    magnitude = abs(scaled)
    if decimals == 0:
        return f"{sign}{magnitude}"
    unit = 10**decimals
    return f"{sign}{magnitude // unit}.{magnitude % unit:0{decimals}d}"


def fixed_field(value: float | None, decimals: int, name: str, low: float, high: float) -> str:
    """Encode an optional measurement; None becomes an empty field."""
    if value is None:
        return ""
    scaled = quantise(value, decimals, name)
    if not low * 10**decimals <= scaled <= high * 10**decimals:
        raise FieldError(f"{name} {value} is outside {low}..{high}")
    return fixed(scaled, decimals)


def parse_decimal(text: str, name: str, low: float, high: float) -> float | None:
    """A decimal field: empty -> None; otherwise ``-?digits[.digits]`` within low..high."""
    if text == "":
        return None
    if not DECIMAL_RE.fullmatch(text):
        raise FieldError(f"{name} {text!r} is not a decimal number")
    value = float(text)
    if not low <= value <= high:
        raise FieldError(f"{name} {text} is outside {low:g}..{high:g}")
    return value


def parse_integer(text: str, name: str, low: int, high: int) -> int | None:
    if text == "":
        return None
    if not INTEGER_RE.fullmatch(text):
        raise FieldError(f"{name} {text!r} is not a whole number")
    value = int(text)
    if not low <= value <= high:
        raise FieldError(f"{name} {text} is outside {low}..{high}")
    return value


def parse_callsign(text: str) -> str:
    return check_callsign(text)


def parse_seq(text: str) -> int:
    if text == "":
        raise FieldError("the sequence number is missing")
    if not re.fullmatch(r"[0-9]{1,5}", text):
        raise FieldError(f"sequence number {text!r} is not a whole number 0..65535")
    return check_seq(int(text))


def centiseconds(time: dt.time) -> int:
    """Hundredths of a second past the whole second, truncated as GPS receivers do."""
    return time.microsecond // 10_000


def format_hhmmss_cc(time: dt.time | None) -> str:
    """``hhmmss.ss`` (NMEA time of day) or an empty field."""
    if time is None:
        return ""
    return f"{time.hour:02d}{time.minute:02d}{time.second:02d}.{centiseconds(time):02d}"


_HHMMSS_RE = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})(?:\.([0-9]{1,3}))?")
_COLON_RE = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})")


def _make_time(hour: str, minute: str, second: str, fraction: str | None, text: str) -> dt.time:
    h, m, s = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or s > 59:
        raise FieldError(f"time {text!r} is not a valid UTC time of day")
    micro = int((fraction or "0").ljust(6, "0"))
    return dt.time(h, m, s, micro)


def parse_hhmmss(text: str) -> dt.time | None:
    """``hhmmss`` with up to three decimals of seconds; empty -> None."""
    if text == "":
        return None
    match = _HHMMSS_RE.fullmatch(text)
    if match is None:
        raise FieldError(f"time {text!r} is not hhmmss.ss")
    hour, minute, second, fraction = match.groups()
    return _make_time(hour, minute, second, fraction, text)


def parse_clock(text: str) -> dt.time | None:
    """UKHAS time: ``HH:MM:SS`` or ``HHMMSS``; empty -> None."""
    if text == "":
        return None
    match = _COLON_RE.fullmatch(text) or re.fullmatch(r"([0-9]{2})([0-9]{2})([0-9]{2})", text)
    if match is None:
        raise FieldError(f"time {text!r} is not HH:MM:SS")
    hour, minute, second = match.groups()
    return _make_time(hour, minute, second, None, text)
