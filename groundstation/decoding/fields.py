"""Converters for NMEA field strings. Each raises ``FieldError`` with a plain reason.

An empty field means "not received" and converts to ``None``; it never becomes ``0.0``.
"""

from __future__ import annotations

import math
from datetime import date, time

KNOTS_TO_MPS = 1852.0 / 3600.0
KMH_TO_MPS = 1.0 / 3.6


class FieldError(ValueError):
    """A field that is present but cannot be what it claims to be."""


def opt_float(text: str, name: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise FieldError(f"{name} is not a number: {text[:20]!r}") from None
    if not math.isfinite(value):
        raise FieldError(f"{name} is not finite")
    return value


def opt_int(text: str, name: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise FieldError(f"{name} is not an integer: {text[:20]!r}") from None


def coordinate(value: str, hemi: str, is_lat: bool) -> float | None:
    """``ddmm.mmmm`` / ``dddmm.mmmm`` plus N/S/E/W to signed decimal degrees; empty -> None."""
    if not value and not hemi:
        return None
    what = "latitude" if is_lat else "longitude"
    if not value or not hemi:
        raise FieldError(f"{what} is incomplete")
    try:
        raw = float(value)
    except ValueError:
        raise FieldError(f"{what} is not a number: {value[:20]!r}") from None
    if not math.isfinite(raw) or raw < 0:
        raise FieldError(f"{what} is out of range: {value[:20]!r}")
    degrees = int(raw // 100)
    minutes = raw - degrees * 100
    if minutes >= 60.0:
        raise FieldError(f"{what} minutes out of range: {value[:20]!r}")
    result = degrees + minutes / 60.0
    if is_lat:
        if hemi == "S":
            result = -result
        elif hemi != "N":
            raise FieldError(f"latitude hemisphere is {hemi[:5]!r}, not N or S")
        if result > 90.0 or result < -90.0:
            raise FieldError(f"latitude out of range: {result:.4f}")
    else:
        if hemi == "W":
            result = -result
        elif hemi != "E":
            raise FieldError(f"longitude hemisphere is {hemi[:5]!r}, not E or W")
        if result > 180.0 or result < -180.0:
            raise FieldError(f"longitude out of range: {result:.4f}")
    return result


_TIMES: dict[str, time] = {}


def time_of_day(text: str) -> time | None:
    """``hhmmss`` with optional fraction; empty -> None."""
    found = _TIMES.get(text)  # one epoch's sentences share their time string
    if found is not None:
        return found
    if not text:
        return None
    if len(_TIMES) > 256:
        _TIMES.clear()
    _TIMES[text] = parsed = _parse_time(text)
    return parsed


def _parse_time(text: str) -> time:
    if len(text) < 6 or not text[:6].isdigit():
        raise FieldError(f"time is malformed: {text[:20]!r}")
    hh, mm, ss = int(text[0:2]), int(text[2:4]), int(text[4:6])
    micro = 0
    if len(text) > 6:
        if text[6] != "." or not text[7:].isdigit() or len(text) > 16:
            raise FieldError(f"time is malformed: {text[:20]!r}")
        frac = text[7:]
        if frac:
            micro = (
                int(round(int(frac) * 10 ** (6 - len(frac)))) if len(frac) <= 6 else int(frac[:6])
            )
    if hh > 23 or mm > 59 or ss > 60:
        raise FieldError(f"time out of range: {text[:20]!r}")
    if ss == 60:  # a leap second: keep the fix, place it at the end of the minute
        ss, micro = 59, 999_999
    return time(hh, mm, ss, micro)


def ddmmyy(text: str) -> date | None:
    """RMC date. Two-digit years are 2000-2099 except 80-99, which are 1980-1999."""
    if not text:
        return None
    if len(text) != 6 or not text.isdigit():
        raise FieldError(f"date is malformed: {text[:20]!r}")
    day, month, yy = int(text[0:2]), int(text[2:4]), int(text[4:6])
    year = 1900 + yy if yy >= 80 else 2000 + yy
    try:
        return date(year, month, day)
    except ValueError:
        raise FieldError(f"date out of range: {text!r}") from None


def zda_date(day: str, month: str, year: str) -> date | None:
    if not (day and month and year):
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise FieldError(f"date out of range: {day}/{month}/{year}"[:60]) from None
