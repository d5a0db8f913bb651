"""Plain NMEA logs of a simple moving track, for tests that need many valid lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from firmware_protocol import nmea_sentence

START = datetime(2024, 6, 1, 10, 0, 0, tzinfo=UTC)


def _ddmm(value: float, width: int) -> str:
    deg = int(abs(value))
    minutes = (abs(value) - deg) * 60
    return f"{deg:0{width}d}{minutes:08.5f}"


def track_lines(epochs: int, start: datetime = START, climb: float = 5.0) -> list[str]:
    """RMC + GGA + GSV per second: a balloon climbing ``climb`` m/s, drifting east."""
    lines = []
    for i in range(epochs):
        t = start + timedelta(seconds=i)
        hms = t.strftime("%H%M%S.00")
        # climbs to 30 km, then comes down at the same rate, and again
        phase = i % 12_000
        alt = 100.0 + climb * (phase if phase < 6_000 else 12_000 - phase)
        lat, lon = 52.0 + i * 1e-5, 0.1 + i * 2e-5
        la, lo = _ddmm(lat, 2), _ddmm(lon, 3)
        lines.append(nmea_sentence(f"GPRMC,{hms},A,{la},N,{lo},E,5.2,75.0,{t:%d%m%y},,,A"))
        lines.append(nmea_sentence(f"GPGGA,{hms},{la},N,{lo},E,1,09,0.9,{alt:.1f},M,47.0,M,,"))
        lines.append(nmea_sentence("GPGSV,1,1,02,01,40,083,46,02,17,308,41"))
    return lines


def write_track(path: Path, epochs: int, **kwargs: object) -> Path:
    path.write_text("\r\n".join(track_lines(epochs, **kwargs)) + "\r\n")  # type: ignore[arg-type]
    return path
