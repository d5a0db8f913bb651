"""``groundstation export``: flight maps (HTML) and GPX, KML, GeoJSON and CSV files.

Thin commands over :mod:`groundstation.export`. Flights are named as in ``groundstation
flights``; the output file name defaults to one made from the tracker and flight id, with
anything that is not a letter, digit, ``-``, ``_`` or ``.`` replaced.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from groundstation.cli_boundaries import boundary_option, load_for_command
from groundstation.cli_campaign import campaign_settings, load_campaigns, select_campaign
from groundstation.config import (
    Config,
    ConfigError,
    StationPosition,
    load_config,
    resolve_station,
)
from groundstation.export import (
    ExportError,
    FlightExport,
    Station,
    load_exports,
    safe_filename,
    to_csv,
    to_geojson,
    to_gpx,
    to_kml,
)
from groundstation.export.redact import near_any, redact, redaction_centres
from groundstation.flight.campaign import Campaign
from groundstation.store.database import Store, StoreError, describe_error
from groundstation.store.schema import SchemaTooNew

F = TypeVar("F", bound=Callable[..., Any])

ID_METAVAR = "ID"


@click.group("export")
def export() -> None:
    """Export flights: a shareable HTML map, or GPX, KML, GeoJSON and CSV files.

    ID is a flight id (see 'groundstation flights'), 'latest', or a tracker name (its latest
    flight).

    Example: groundstation export map latest --offline
    """


def _output_option(command: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, allow_dash=True),
        help="File to write ('-' for standard output); default: made from the flight.",
    )(command)


def _station_options(command: F) -> F:
    command = click.option(
        "--config",
        "config_path",
        type=click.Path(exists=True, dir_okay=False),
        help="TOML configuration file with a [station] position.",
    )(command)
    return click.option(
        "--station",
        metavar="LAT,LON[,ALT]",
        help="The station's position (degrees, metres); default: its GPS or the config file.",
    )(command)


def _redact_option(command: F) -> F:
    return click.option(
        "--redact-radius",
        "redact_km",
        type=click.FloatRange(min=0.0, min_open=True, max=1000.0),
        metavar="KM",
        help="Leave out every position within KM km of a launch site or the station, and the"
        " station itself: for sharing without saying where you launch from.",
    )(command)


def _config(config_path: str | None) -> Config:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _redacted(
    exports: list[FlightExport], station: Station | None, redact_km: float | None
) -> tuple[list[FlightExport], Station | None]:
    """The exports as they may be shared, and the station if it may be shown."""
    if redact_km is None:
        return exports, station
    try:
        return redact(exports, station, redact_km), None
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None


@contextmanager
def _store(db: str) -> Iterator[Store]:
    if not Path(db).exists():
        raise click.ClickException(f"no database at {db}: import or listen first")
    try:
        store = Store(db)
    except (StoreError, SchemaTooNew) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield store
    except sqlite3.Error as exc:
        raise click.ClickException(describe_error(exc, db)) from None
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()


def _load(obj: dict[str, Any], idents: tuple[str, ...], predictions: bool) -> list[FlightExport]:
    with _store(obj["db"]) as store:
        return load_exports(store, idents, with_predictions=predictions)


def _station(
    obj: dict[str, Any], value: str | None, config_path: str | None, exports: list[FlightExport]
) -> Station | None:
    try:
        config = load_config(config_path)
        with _store(obj["db"]) as store:
            at = max(e.flight.end_time for e in exports)
            where: StationPosition | None = resolve_station(store, value, config, at)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--station") from None
    if where is None:
        return None
    return Station(where.lat, where.lon, where.alt_m, where.time)


def _default_name(exports: list[FlightExport], suffix: str) -> str:
    trackers = list(dict.fromkeys(e.tracker for e in exports))
    ids = "-".join(e.flight_id for e in exports)
    stem = f"{'-'.join(trackers[:3])}-flight-{ids}"
    return safe_filename(stem, suffix)


def _write(output: str | None, default: str, data: bytes) -> None:
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    path = Path(output if output is not None else default)
    try:
        # Write next to the target, then rename: a reader never sees half a file.
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as tmp:
            tmp.write(data)
        os.chmod(tmp.name, 0o666 & ~_umask())
        os.replace(tmp.name, path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise click.ClickException(f"cannot write {path}: {reason.lower()}") from None
    click.echo(f"Wrote {path} ({_size(len(data))})", err=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _size(n: int) -> str:
    return f"{n / 1_000_000:.2f} MB" if n >= 1_000_000 else f"{max(1, round(n / 1000))} kB"


@export.command("map")
@click.argument("idents", nargs=-1, metavar="[ID...]")
@_output_option
@click.option(
    "--campaign",
    "campaign_id",
    metavar="CAMPAIGN",
    help="Draw every balloon of a campaign (its id or 'latest'; see 'groundstation campaign').",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Put Leaflet inside the file: the map draws with no network (tiles need one).",
)
@_station_options
@boundary_option
@_redact_option
@click.option("--title", help="The page's title (default: made from the flights).")
@click.option("--no-predictions", is_flag=True, help="Leave out the landing predictions (faster).")
@click.pass_obj
def map_cmd(
    obj: dict[str, Any],
    idents: tuple[str, ...],
    output: str | None,
    campaign_id: str | None,
    offline: bool,
    station: str | None,
    config_path: str | None,
    boundary_paths: tuple[str, ...],
    redact_km: float | None,
    title: str | None,
    no_predictions: bool,
) -> None:
    """Write an HTML map of one or more flights, or of a whole campaign.

    The track coloured by altitude, launch, burst and landing (or where the signal was lost),
    the landing predictions made during the flight, the station, and an altitude profile.
    Several flights share one map, each a layer. With boundaries, each is drawn with a marker
    where a flight crossed it. A campaign's map has every balloon, its boundaries and the
    landing scatter (and no predictions).

    Example: groundstation export map 3 4 -o both-balloons.html --offline

    Example: groundstation export map --campaign latest --boundary border.geojson
    --redact-radius 5
    """
    if not idents and campaign_id is None:
        raise click.UsageError("give the flights to draw (their ids) or --campaign ID")
    if idents and campaign_id is not None:
        raise click.UsageError("give either flight ids or --campaign, not both")
    config = _config(config_path)
    boundaries = load_for_command(boundary_paths, config)
    campaign: Campaign | None = None
    if campaign_id is not None:
        with _store(obj["db"]) as store:
            settings = campaign_settings(config, None, None)
            campaign = select_campaign(
                load_campaigns(store, config, settings, boundaries), campaign_id
            )
        idents = tuple(str(f.id) for f in campaign.flights)
    # A fleet's predictions would bury its tracks: a campaign map shows where they landed.
    exports = _load(obj, idents, predictions=not no_predictions and campaign is None)
    where = _station(obj, station, config_path, exports)
    hidden = None
    if redact_km is not None:
        centres = redaction_centres(exports, where)
        radius_m = redact_km * 1000.0

        def hidden(lat: float, lon: float) -> bool:
            return bool(near_any([lat], [lon], centres, radius_m)[0])

    exports, where = _redacted(exports, where, redact_km)
    try:
        from groundstation.export import build_map  # folium loads only for a map

        page = build_map(
            exports,
            station=where,
            offline=offline,
            title=title if title is not None else _campaign_title(campaign),
            boundaries=boundaries,
            campaign=campaign,
            hidden=hidden,
        )
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    default = (
        _default_name(exports, ".html")
        if campaign is None
        else f"campaign-{campaign.id}-{campaign.first_launch:%Y%m%d}.html"
    )
    _write(output, default, page.encode("utf-8"))


def _campaign_title(campaign: Campaign | None) -> str | None:
    if campaign is None:
        return None
    return (
        f"Campaign {campaign.id}: {len(campaign.flights)} balloons,"
        f" {campaign.first_launch:%Y-%m-%d}"
    )


def _shared(
    obj: dict[str, Any],
    ident: str,
    station: str | None,
    config_path: str | None,
    redact_km: float | None,
    predictions: bool = False,
) -> tuple[FlightExport, Station | None]:
    """One flight and the station, redacted if asked (the station is then left out)."""
    flight = _load(obj, (ident,), predictions)[0]
    where = _station(obj, station, config_path, [flight])
    exports, where = _redacted([flight], where, redact_km)
    return exports[0], where


def _file_command(
    name: str,
    suffix: str,
    render: Callable[[FlightExport, Station | None], bytes],
    summary: str,
    *,
    predictions: bool = False,
) -> None:
    """Register ``export NAME ID``: one flight written by ``render`` to a file."""

    @export.command(
        name,
        help=f"{summary}\n\nID is a flight id, 'latest', or a tracker name (its latest flight)."
        f"\n\nExample: groundstation export {name} latest -o flight{suffix}",
    )
    @click.argument("ident", metavar=ID_METAVAR)
    @_output_option
    @_station_options
    @_redact_option
    @click.pass_obj
    def command(
        obj: dict[str, Any],
        ident: str,
        output: str | None,
        station: str | None,
        config_path: str | None,
        redact_km: float | None,
    ) -> None:
        flight, where = _shared(obj, ident, station, config_path, redact_km, predictions)
        _write(output, _default_name([flight], suffix), render(flight, where))


_file_command(
    "gpx",
    ".gpx",
    lambda flight, _station: to_gpx(flight),
    "Write a flight as GPX 1.1: every fix with time and elevation, and its events.",
)
_file_command(
    "kml",
    ".kml",
    lambda flight, _station: to_kml(flight),
    "Write a flight as KML for Google Earth: the track extruded at its real altitude.",
    predictions=True,
)
_file_command(
    "geojson",
    ".geojson",
    lambda flight, station: to_geojson(flight, station).encode("utf-8"),
    "Write a flight as a GeoJSON FeatureCollection: track, events, predictions, station.",
    predictions=True,
)
_file_command(
    "csv",
    ".csv",
    lambda flight, _station: to_csv(flight).encode("utf-8"),
    "Write a flight's fixes as CSV, each with the telemetry nearest in time.",
)
