"""The configuration file, and where the ground station is.

Settings come from a TOML file: ``--config FILE``, else the file named by the environment
variable ``GROUNDSTATION_CONFIG``, else ``groundstation.toml`` in the current folder if there is
one. Every key is optional::

    [station]                      # the ground station's fixed position
    lat = 52.2                     # degrees north (WGS84)
    lon = 0.1                      # degrees east
    alt_m = 30                     # metres above mean sea level (``alt`` works too)

    [prediction]
    burst_altitude_m = 30000       # expected burst altitude, for predictions during ascent
    sea_level_descent_mps = 5.0    # the parachute's sea-level descent speed until one is measured

    [live]
    stale_after_s = 600            # a tracker silent this long has lost its signal

    [boundary]
    files = ["border.geojson"]     # GeoJSON lines/polygons to watch (relative to this file)

    [campaign]
    window_h = 12                  # flights launched within this span of the first form one
    radius_km = 50                 # ... if their launch site is this close to one of its sites

Other sections are left to the parts of the program that read them. An unknown key in the
sections above, or a value of the wrong kind, is a :class:`ConfigError` naming the file and key.

The station's position (:func:`resolve_station`) is taken, first found wins, from the command
line's ``--station``, from the station's own GPS (the ``station_fixes`` table) if its latest fix
at the time of the data is less than :data:`STATION_FIX_MAX_AGE` older than the data, and from
the configuration file.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from groundstation.store.database import Store
from groundstation.store.flights import latest_fix_time, latest_station_fix

CONFIG_ENV = "GROUNDSTATION_CONFIG"
DEFAULT_CONFIG_FILE = "groundstation.toml"
STATION_FIX_MAX_AGE = timedelta(minutes=10)

_KNOWN_KEYS = {
    "station": {"lat", "lon", "alt", "alt_m"},
    "prediction": {"burst_altitude_m", "sea_level_descent_mps"},
    "live": {"stale_after_s"},
    "boundary": {"files"},
    "campaign": {"window_h", "radius_km"},
}


class ConfigError(ValueError):
    """A configuration file or a position that cannot be used; the message is for the user."""


@dataclass(frozen=True, slots=True)
class StationPosition:
    """Where the ground station is: WGS84 degrees and metres above mean sea level.

    ``alt_m`` is ``None`` when it was not given. ``source`` says where the position came from
    (``command line``, ``station GPS`` or ``config file NAME``); ``time`` is the time of the
    station's GPS fix when it came from there.
    """

    lat: float
    lon: float
    alt_m: float | None
    source: str
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class Config:
    """The settings read from a configuration file (``None``: not set)."""

    path: Path | None = None
    station: StationPosition | None = None
    burst_altitude_m: float | None = None
    sea_level_descent_mps: float | None = None
    stale_after_s: float | None = None
    boundary_paths: tuple[Path, ...] = ()
    campaign_window_h: float | None = None
    campaign_radius_km: float | None = None


def _check_position(lat: float, lon: float, alt_m: float | None, what: str) -> None:
    if not all(math.isfinite(v) for v in (lat, lon, *(() if alt_m is None else (alt_m,)))):
        raise ConfigError(f"{what}: the numbers must be finite")
    if not -90.0 <= lat <= 90.0:
        raise ConfigError(f"{what}: latitude {lat:g} is outside -90..90")
    if not -180.0 <= lon <= 180.0:
        raise ConfigError(f"{what}: longitude {lon:g} is outside -180..180")
    if alt_m is not None and not -500.0 <= alt_m <= 10_000.0:
        raise ConfigError(f"{what}: altitude {alt_m:g} m is outside -500..10000 m")


def parse_station(text: str, source: str = "command line") -> StationPosition:
    """A position written ``LAT,LON`` or ``LAT,LON,ALT`` (degrees, metres)."""
    parts = [p.strip() for p in text.split(",")]
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ConfigError(
            f"{text!r} is not LAT,LON[,ALT] in decimal degrees and metres, e.g. 52.2,0.1,30"
        ) from None
    alt = numbers[2] if len(numbers) == 3 else None
    _check_position(numbers[0], numbers[1], alt, repr(text))
    return StationPosition(numbers[0], numbers[1], alt, source)


def find_config_path(
    explicit: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Path | None:
    """The configuration file to read, or ``None`` when there is none.

    A file named by ``--config`` or the environment must exist; ``groundstation.toml`` in the
    current folder is read only if it is there.
    """
    environ = os.environ if env is None else env
    named = explicit if explicit is not None else environ.get(CONFIG_ENV) or None
    if named is not None:
        path = Path(named)
        if not path.is_file():
            where = "--config" if explicit is not None else CONFIG_ENV
            raise ConfigError(f"the configuration file {path} (from {where}) does not exist")
        return path
    default = Path(DEFAULT_CONFIG_FILE) if cwd is None else cwd / DEFAULT_CONFIG_FILE
    return default if default.is_file() else None


def load_config(
    explicit: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """Read the configuration file found by :func:`find_config_path` (empty if none)."""
    path = find_config_path(explicit, env=env, cwd=cwd)
    if path is None:
        return Config()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the configuration file {path} is not valid TOML: {exc}") from None
    return parse_config(data, path)


def _number(section: Mapping[str, Any], key: str, where: str) -> float | None:
    value = section.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {key} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ConfigError(f"{where}: {key} must be a finite number")
    return number


def _positive(section: Mapping[str, Any], key: str, where: str) -> float | None:
    number = _number(section, key, where)
    if number is not None and number <= 0:
        raise ConfigError(f"{where}: {key} must be more than 0, not {number:g}")
    return number


def _paths(
    section: Mapping[str, Any], key: str, where: str, config_path: Path | None
) -> tuple[Path, ...]:
    """A list of file names, relative to the configuration file's folder."""
    value = section.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: {key} must be a file name or a list of file names")
    base = config_path.parent if config_path is not None else Path()
    return tuple(base / Path(v).expanduser() for v in value)


def parse_config(data: Mapping[str, Any], path: Path | None = None) -> Config:
    """The settings in parsed TOML data (see the module's documentation for the keys)."""
    name = str(path) if path is not None else "configuration"
    sections: dict[str, Mapping[str, Any]] = {}
    for section, keys in _KNOWN_KEYS.items():
        value = data.get(section, {})
        if not isinstance(value, Mapping):
            raise ConfigError(f"{name}: [{section}] must be a table of keys")
        unknown = sorted(set(value) - keys)
        if unknown:
            raise ConfigError(
                f"{name}: unknown key {unknown[0]!r} in [{section}]"
                f" (known: {', '.join(sorted(keys))})"
            )
        sections[section] = value
    station_section = sections["station"]
    station: StationPosition | None = None
    if station_section:
        where = f"{name} [station]"
        lat = _number(station_section, "lat", where)
        lon = _number(station_section, "lon", where)
        if lat is None or lon is None:
            raise ConfigError(f"{where}: both lat and lon are needed")
        alt = _number(station_section, "alt_m", where)
        if alt is None:
            alt = _number(station_section, "alt", where)
        _check_position(lat, lon, alt, where)
        station = StationPosition(lat, lon, alt, f"config file {name}")
    prediction = sections["prediction"]
    campaign = sections["campaign"]
    return Config(
        path=path,
        station=station,
        burst_altitude_m=_positive(prediction, "burst_altitude_m", f"{name} [prediction]"),
        sea_level_descent_mps=_positive(
            prediction, "sea_level_descent_mps", f"{name} [prediction]"
        ),
        stale_after_s=_positive(sections["live"], "stale_after_s", f"{name} [live]"),
        boundary_paths=_paths(sections["boundary"], "files", f"{name} [boundary]", path),
        campaign_window_h=_positive(campaign, "window_h", f"{name} [campaign]"),
        campaign_radius_km=_positive(campaign, "radius_km", f"{name} [campaign]"),
    )


def resolve_station(
    store: Store | None,
    cli_value: str | None,
    config: Config | None,
    at: datetime | None = None,
) -> StationPosition | None:
    """Where the station is, for data up to ``at`` (default: the newest fix in the database).

    First found wins: ``cli_value`` (``LAT,LON[,ALT]``, raises :class:`ConfigError` if it is
    not one); the station's own GPS, its latest fix at or before ``at`` if that is less than
    :data:`STATION_FIX_MAX_AGE` older than ``at`` (a chase car moves: an older position is no
    use); the configuration file's ``[station]``. ``None`` when none of them says.
    """
    if cli_value is not None:
        return parse_station(cli_value)
    if store is not None:
        when = at if at is not None else latest_fix_time(store)
        fix = latest_station_fix(store, when)
        if fix is not None and (when is None or when - fix.time < STATION_FIX_MAX_AGE):
            return StationPosition(fix.lat, fix.lon, fix.alt_m, "station GPS", fix.time)
    return config.station if config is not None else None
