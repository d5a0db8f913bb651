"""Wind profiles from files: a sounding table, or a track to measure the winds from.

Two kinds of CSV file are read, told apart by their number of columns (a first row that is
not numbers, a header, is skipped; blank lines and lines starting with ``#`` too):

- **3 columns, a sounding**: ``altitude,speed,direction`` per level. Altitude in metres above
  mean sea level, speed in m/s, direction in degrees true **the wind blows from**
  (meteorological convention: ``270`` is a west wind, blowing toward the east). Between levels
  the wind is interpolated linearly; below the lowest and above the highest level the nearest
  level's wind is used.
- **4 columns, a track**: ``time,lat,lon,alt`` per fix (ISO 8601 time, UTC if no zone given;
  degrees; metres), e.g. a flight exported from another program. Its winds are measured as a
  flight's are (:func:`groundstation.flight.wind.wind_profile`).

Errors are :class:`SoundingError`, one sentence naming the file.
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime
from pathlib import Path

from groundstation.flight.wind import WindBand, WindProfile, wind_profile
from groundstation.models import Fix

MAX_ROWS = 1_000_000


class SoundingError(ValueError):
    """A wind file that cannot be used; the message is one sentence naming the file."""


def read_winds(path: str | Path, band_m: float = 250.0) -> tuple[WindProfile, str]:
    """The wind profile in a file, and what kind of file it was (``"sounding"``/``"track"``)."""
    path = Path(path)
    rows = _rows(path)
    width = len(rows[0][1])
    if width == 3:
        return _sounding(path, rows), "sounding"
    if width == 4:
        return _track(path, rows, band_m), "track"
    raise SoundingError(
        f"the wind file {path} has {width} columns on line {rows[0][0]}, but it needs 3"
        " (altitude,speed,direction) or 4 (time,lat,lon,alt)"
    )


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            lines = [
                (number, [cell.strip() for cell in row])
                for number, row in enumerate(csv.reader(handle), start=1)
                if row and any(row) and not row[0].lstrip().startswith("#")
            ]
    except FileNotFoundError:
        raise SoundingError(f"the wind file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not CSV text"
        raise SoundingError(f"the wind file {path} cannot be read ({reason})") from None
    if lines and not _numeric(lines[0][1][1:]):
        lines = lines[1:]  # a header
    if not lines:
        raise SoundingError(f"the wind file {path} holds no rows of winds or fixes")
    if len(lines) > MAX_ROWS:
        raise SoundingError(f"the wind file {path} has more than {MAX_ROWS} rows")
    width = len(lines[0][1])
    for number, cells in lines:
        if len(cells) != width:
            raise SoundingError(
                f"line {number} of the wind file {path} has {len(cells)} columns, not {width}"
            )
    return lines


def _numeric(cells: list[str]) -> bool:
    try:
        return all(math.isfinite(float(c)) for c in cells)
    except ValueError:
        return False


def _number(path: Path, number: int, cell: str, what: str, low: float, high: float) -> float:
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        raise SoundingError(
            f"line {number} of the wind file {path} has {what} {cell[:20]!r}, not a number"
            f" from {low:g} to {high:g}"
        )
    return value


def _sounding(path: Path, rows: list[tuple[int, list[str]]]) -> WindProfile:
    levels: dict[float, tuple[float, float]] = {}
    for number, (alt_cell, speed_cell, from_cell) in rows:
        alt = _number(path, number, alt_cell, "altitude", -500, 60_000)
        speed = _number(path, number, speed_cell, "speed", 0, 200)
        towards = math.radians(_number(path, number, from_cell, "direction", 0, 360) + 180.0)
        if alt in levels:
            raise SoundingError(f"the wind file {path} has altitude {alt:g} m twice")
        levels[alt] = (speed * math.sin(towards), speed * math.cos(towards))
    heights = sorted(levels)
    bands = []
    for k, alt in enumerate(heights):
        gaps = [abs(alt - heights[j]) for j in (k - 1, k + 1) if 0 <= j < len(heights)]
        half = min(gaps) / 2 if gaps else 0.5
        east, north = levels[alt]
        bands.append(WindBand(alt - half, alt + half, east, north, seconds=0.0))
    spacing = min((b - a for a, b in zip(heights, heights[1:], strict=False)), default=1.0)
    return WindProfile(band_m=spacing, bands=tuple(bands))


def _time(path: Path, number: int, cell: str) -> datetime:
    try:
        when = datetime.fromisoformat(cell)
    except ValueError:
        raise SoundingError(
            f"line {number} of the wind file {path} has time {cell[:30]!r}, not ISO 8601"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _track(path: Path, rows: list[tuple[int, list[str]]], band_m: float) -> WindProfile:
    fixes = []
    for number, (time_cell, lat_cell, lon_cell, alt_cell) in rows:
        fixes.append(
            Fix(
                tracker="wind file",
                time=_time(path, number, time_cell),
                lat=_number(path, number, lat_cell, "latitude", -90, 90),
                lon=_number(path, number, lon_cell, "longitude", -180, 180),
                alt_m=_number(path, number, alt_cell, "altitude", -500, 60_000),
            )
        )
    fixes.sort(key=lambda f: f.time)
    profile = wind_profile(fixes, band_m)
    if not profile.bands:
        raise SoundingError(
            f"the track in the wind file {path} has no two fixes close enough in time to measure"
            " a wind"
        )
    return profile
