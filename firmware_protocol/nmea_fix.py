"""Standard GGA and RMC sentences for a GPS fix, formatted like a GPS receiver writes them.

Positions are ``ddmm.mmmmm``/``dddmm.mmmmm`` with N/S and E/W, speed in knots, course in
degrees true, altitude in metres above mean sea level, date ``ddmmyy``. A value that is
None becomes an empty field; with no latitude/longitude GGA says fix quality 0 and RMC
status V (void).
"""

from __future__ import annotations

import datetime as dt
import re

from firmware_protocol.checksums import nmea_sentence
from firmware_protocol.errors import FieldError, ProtocolError
from firmware_protocol.fields import fixed, fixed_field, format_hhmmss_cc, quantise

_TALKER_RE = re.compile(r"[A-Z]{2}")
_UNITS_PER_DEGREE = 10_000_000  # positions are quantised to 1e-7 degree (about 1 cm)
_MINUTE_UNITS = 100_000  # ddmm.mmmmm: five decimals of a minute


def degrees_minutes(value: float, hemispheres: str, degree_digits: int, limit: float) -> str:
    """Signed decimal degrees -> ``"ddmm.mmmmm,N"`` style text (two fields)."""
    if not -limit <= value <= limit:
        raise FieldError(f"{value} is outside -{limit:g}..{limit:g} degrees")
    e7 = quantise(value, 7, "position")
    return degrees_minutes_e7(e7, hemispheres, degree_digits)


def degrees_minutes_e7(e7: int, hemispheres: str, degree_digits: int) -> str:
    """Integer 1e-7 degrees -> ``ddmm.mmmmm,H`` with integer arithmetic (as the C encoder)."""
    magnitude = abs(e7)
    degrees = magnitude // _UNITS_PER_DEGREE
    fraction = magnitude % _UNITS_PER_DEGREE
    minutes5 = (fraction * 60 + 50) // 100  # minutes in units of 1e-5
    if minutes5 >= 60 * _MINUTE_UNITS:
        degrees += 1
        minutes5 -= 60 * _MINUTE_UNITS
    hemisphere = hemispheres[1] if e7 < 0 else hemispheres[0]
    whole, part = divmod(minutes5, _MINUTE_UNITS)
    return f"{degrees:0{degree_digits}d}{whole:02d}.{part:05d},{hemisphere}"


def knots_centi(speed_mps: float) -> int:
    """Speed in hundredths of a knot from m/s (1 knot = 1852 m / 3600 s = 463/900 m/s)."""
    cmps = quantise(speed_mps, 2, "speed")
    if not 0 <= cmps <= 100_000:
        raise FieldError(f"speed {speed_mps} m/s is outside 0..1000")
    return (cmps * 900 + 231) // 463


def _check_talker(talker: str) -> str:
    if not _TALKER_RE.fullmatch(talker):
        raise ProtocolError(f"talker {talker!r} is not two upper-case letters")
    return talker


def encode_gga(
    fix_time: dt.datetime | dt.time | None,
    lat: float | None,
    lon: float | None,
    alt_m: float | None,
    sats: int | None,
    hdop: float | None,
    talker: str = "GP",
) -> str:
    """A GGA sentence (without CRLF)."""
    time = fix_time.time() if isinstance(fix_time, dt.datetime) else fix_time
    has_fix = lat is not None and lon is not None
    if (lat is None) != (lon is None):
        raise ProtocolError("latitude and longitude must both be given or both be None")
    if sats is not None and not 0 <= sats <= 99:
        raise FieldError(f"satellite count {sats} is outside 0..99")
    position = (
        f"{degrees_minutes(lat, 'NS', 2, 90)},{degrees_minutes(lon, 'EW', 3, 180)}"
        if lat is not None and lon is not None
        else ",,,"
    )
    altitude = fixed_field(alt_m, 1, "altitude", -10_000, 100_000)
    body = ",".join(
        (
            f"{_check_talker(talker)}GGA",
            format_hhmmss_cc(time),
            position,
            "1" if has_fix else "0",
            "" if sats is None else f"{sats:02d}",
            fixed_field(hdop, 1, "HDOP", 0, 99.9),
            altitude,
            "M" if altitude else "",
            "",  # geoid separation: not known
            "",
            "",  # age of differential corrections
            "",  # differential station id
        )
    )
    return nmea_sentence(body)


def encode_rmc(
    fix_time: dt.datetime | None,
    lat: float | None,
    lon: float | None,
    speed_mps: float | None,
    course_deg: float | None,
    talker: str = "GP",
) -> str:
    """An RMC sentence (NMEA 2.3 with mode indicator, without CRLF)."""
    if (lat is None) != (lon is None):
        raise ProtocolError("latitude and longitude must both be given or both be None")
    has_fix = lat is not None and lon is not None
    position = (
        f"{degrees_minutes(lat, 'NS', 2, 90)},{degrees_minutes(lon, 'EW', 3, 180)}"
        if lat is not None and lon is not None
        else ",,,"
    )
    speed = "" if speed_mps is None else fixed(knots_centi(speed_mps), 2)
    course = ""
    if course_deg is not None:
        tenths = quantise(course_deg, 1, "course")
        if not 0 <= tenths <= 3600:
            raise FieldError(f"course {course_deg} is outside 0..360 degrees")
        course = fixed(tenths % 3600, 1)
    date = "" if fix_time is None else fix_time.strftime("%d%m%y")
    body = ",".join(
        (
            f"{_check_talker(talker)}RMC",
            format_hhmmss_cc(None if fix_time is None else fix_time.time()),
            "A" if has_fix else "V",
            position,
            speed,
            course,
            date,
            "",  # magnetic variation
            "",
            "A" if has_fix else "N",
        )
    )
    return nmea_sentence(body)


def encode_nmea_fix(
    fix_time: dt.datetime | None,
    lat: float | None,
    lon: float | None,
    alt_m: float | None,
    speed_mps: float | None = None,
    course_deg: float | None = None,
    sats: int | None = None,
    hdop: float | None = None,
    talker: str = "GP",
) -> list[str]:
    """GGA then RMC for one fix: what a plain-NMEA tracker sends (lines without CRLF)."""
    return [
        encode_gga(fix_time, lat, lon, alt_m, sats, hdop, talker),
        encode_rmc(fix_time, lat, lon, speed_mps, course_deg, talker),
    ]
