"""``groundstation flights``, ``flight`` and ``predict``: flights and landing predictions.

Thin commands over :mod:`groundstation.store.flights` (the ``flights`` table),
:mod:`groundstation.flight` (the analysis) and :mod:`groundstation.config` (the station's
position and the configuration file). The README documents every JSON key.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from groundstation.cli_boundaries import (
    boundary_option,
    flight_boundaries,
    flight_boundary_lines,
    load_for_command,
    planned_lines,
    planned_report,
)
from groundstation.config import (
    Config,
    ConfigError,
    StationPosition,
    load_config,
    parse_station,
    resolve_station,
)
from groundstation.flight import (
    Flight,
    FlightSettings,
    Prediction,
    PredictionSettings,
    TrackPoint,
    ascent_rate,
    forecast,
    ground_distance_m,
    ground_velocity,
    initial_bearing_deg,
    look_angles,
    sea_level_descent_rate,
)
from groundstation.flight.planned import PlannedLaunch, predict_planned
from groundstation.flight.sounding import SoundingError, read_winds
from groundstation.flight.wind import WindProfile, wind_profile
from groundstation.printable import printable as _safe
from groundstation.store.database import Store, StoreError, describe_error, iso
from groundstation.store.flights import StoredFlight, load_fixes, refresh_flights, select_flight
from groundstation.store.schema import SchemaTooNew

F = TypeVar("F", bound=Callable[..., Any])

ID_HELP = "a flight id, 'latest', or a tracker name (its latest flight)"


# -- options -----------------------------------------------------------------------------------


def _check_station(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            parse_station(value)
        except ConfigError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def _parse_time(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time such as 2024-06-01T10:30:00Z"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _station_options(command: F) -> F:
    command = click.option(
        "--config",
        "config_path",
        type=click.Path(exists=True, dir_okay=False),
        help="TOML configuration file (default: env GROUNDSTATION_CONFIG, else"
        " ./groundstation.toml if present).",
    )(command)
    return click.option(
        "--station",
        metavar="LAT,LON[,ALT]",
        callback=_check_station,
        help="The station's position (degrees, metres); overrides its GPS and the config file.",
    )(command)


# -- opening and refreshing --------------------------------------------------------------------


@contextmanager
def open_session(obj: dict[str, Any], config_path: str | None) -> Iterator[tuple[Store, Config]]:
    """The database (opened for writing: refreshing stores the flights) and the config."""
    db = obj["db"]
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if not Path(db).exists():
        raise click.ClickException(f"no database at {db}: import or listen first")
    try:
        store = Store(db)
    except (StoreError, SchemaTooNew) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield store, config
    except sqlite3.Error as exc:
        raise click.ClickException(describe_error(exc, db)) from None
    finally:
        store.close()


def _flight_settings(config: Config) -> FlightSettings:
    if config.stale_after_s is None:
        return FlightSettings()
    return FlightSettings(lost_after_s=config.stale_after_s)


def _refresh(store: Store, config: Config) -> list[StoredFlight]:
    return refresh_flights(store, now=datetime.now(UTC), settings=_flight_settings(config))


def _select(flights: list[StoredFlight], ident: str) -> StoredFlight:
    chosen = select_flight(flights, ident)
    if chosen is None:
        raise click.BadParameter(
            f"no flight '{_safe(ident)}': give {ID_HELP}; 'groundstation flights' lists them",
            param_hint="ID",
        )
    return chosen


# -- JSON building blocks ----------------------------------------------------------------------


def _num(value: float | None) -> float | None:
    return None if value is None or value != value else value  # NaN: not measured


def _point(p: TrackPoint | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"time": iso(p.time), "lat": p.lat, "lon": p.lon, "alt_m": _num(p.alt_m)}


def _station_json(station: StationPosition | None) -> dict[str, Any] | None:
    if station is None:
        return None
    return {
        "lat": station.lat,
        "lon": station.lon,
        "alt_m": station.alt_m,
        "source": station.source,
        "time": None if station.time is None else iso(station.time),
    }


def _station_alt(station: StationPosition, flight: StoredFlight) -> float:
    """The station's altitude; if not given, the launch site's (the crew is on the ground)."""
    if station.alt_m is not None:
        return station.alt_m
    if flight.launch is not None and _num(flight.launch.alt_m) is not None:
        return flight.launch.alt_m
    return 0.0


def _view(station: StationPosition | None, flight: StoredFlight) -> dict[str, Any] | None:
    """Antenna pointing from the station to the flight's last position."""
    p = flight.last
    if station is None or _num(p.alt_m) is None:
        return None
    look = look_angles(
        station.lat, station.lon, _station_alt(station, flight), p.lat, p.lon, p.alt_m
    )
    return {
        "time": iso(p.time),
        "ground_range_m": look.ground_range_m,
        "slant_range_m": look.slant_range_m,
        "azimuth_deg": look.azimuth_deg,
        "elevation_deg": look.elevation_deg,
    }


def _summary(f: StoredFlight, station: StationPosition | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": f.id,
        "tracker": f.tracker,
        "status": f.status,
        "end_reason": f.end_reason,
        "start_time": iso(f.start_time),
        "end_time": iso(f.end_time),
    }
    for name, p in (
        ("launch", f.launch),
        ("burst", f.burst),
        ("landing", f.landing),
        ("last", f.last),
    ):
        alt_key = "burst_altitude_m" if name == "burst" else f"{name}_alt_m"
        out |= {
            f"{name}_time": None if p is None else iso(p.time),
            f"{name}_lat": None if p is None else p.lat,
            f"{name}_lon": None if p is None else p.lon,
            alt_key: None if p is None else _num(p.alt_m),
        }
    out |= {
        "max_altitude_m": f.max_altitude_m,
        "duration_s": f.duration_s,
        "ascent_rate_mps": f.ascent_rate_mps,
        "descent_rate_mps": f.descent_rate_mps,
        "path_length_m": f.path_length_m,
        "launch_to_landing_m": f.launch_to_landing_m,
        "fix_count": f.fix_count,
        "rejected_count": f.rejected_count,
        "packets_lost": f.packets_lost,
        "updated_at": iso(f.updated_at),
        "station_view": _view(station, f),
    }
    return out


def _phases(flight: Flight) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    for fix, phase in zip(flight.fixes, flight.phases, strict=True):
        if runs and runs[-1]["phase"] == phase:
            run = runs[-1]
            run |= {"end_time": iso(fix.time), "end_alt_m": fix.alt_m}
            run["fix_count"] += 1
        else:
            runs.append(
                {
                    "phase": phase,
                    "start_time": iso(fix.time),
                    "end_time": iso(fix.time),
                    "fix_count": 1,
                    "start_alt_m": fix.alt_m,
                    "end_alt_m": fix.alt_m,
                }
            )
    return runs


def _now_rates(flight: Flight) -> dict[str, Any]:
    """Smoothed rates over the last minute of the flight's fixes."""
    at = flight.end_time
    velocity = ground_velocity(flight.fixes, at)
    return {
        "time": iso(at),
        "vertical_rate_mps": ascent_rate(flight.fixes, at),
        "ground_speed_mps": None if velocity is None else velocity.speed_mps,
        "heading_deg": None if velocity is None else velocity.heading_deg,
        "sea_level_descent_mps": sea_level_descent_rate(flight.fixes, at),
    }


def _detail(f: StoredFlight, station: StationPosition | None) -> dict[str, Any]:
    out = _summary(f, station)
    out["band_rates"] = [
        {
            "bottom_m": b.bottom_m,
            "top_m": b.top_m,
            "ascent_rate_mps": b.ascent_mps,
            "descent_rate_mps": b.descent_mps,
        }
        for b in f.band_rates
    ]
    analysis = f.analysis
    out["phases"] = [] if analysis is None else _phases(analysis)
    out["floats"] = (
        []
        if analysis is None
        else [{"start_time": iso(a), "end_time": iso(b)} for a, b in analysis.floats]
    )
    out["now"] = None if analysis is None else _now_rates(analysis)
    out["station"] = _station_json(station)
    return out


# -- text building blocks ----------------------------------------------------------------------


def _alt(value: float | None) -> str:
    return "-" if _num(value) is None else f"{value:,.0f} m"


def _dist(metres: float | None) -> str:
    if metres is None:
        return "-"
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} m/s"


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m{s % 60:02d}s"


def _where(p: TrackPoint | None) -> str:
    if p is None:
        return "-"
    return f"{iso(p.time)} at {p.lat:.5f}, {p.lon:.5f}, {_alt(p.alt_m)}"


def _view_text(view: dict[str, Any] | None) -> str:
    if view is None:
        return "-"
    return (
        f"ground range {_dist(view['ground_range_m'])}, slant range"
        f" {_dist(view['slant_range_m'])}, azimuth {view['azimuth_deg']:.1f} deg, elevation"
        f" {view['elevation_deg']:.1f} deg (at {view['time']})"
    )


def _station_text(station: StationPosition) -> str:
    alt = "" if station.alt_m is None else f", {_alt(station.alt_m)}"
    when = "" if station.time is None else f" at {iso(station.time)}"
    return f"{station.lat:.5f}, {station.lon:.5f}{alt} ({_safe(station.source)}{when})"


# -- commands ----------------------------------------------------------------------------------


@click.command("flights")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary_option
@_station_options
@click.pass_obj
def flights(
    obj: dict[str, Any],
    as_json: bool,
    boundary_paths: tuple[str, ...],
    station: str | None,
    config_path: str | None,
) -> None:
    """List the flights found in the trackers' fixes (recomputed first).

    A flight starts at a sustained climb (a ground test is none) and ends when it lands or
    its signal is lost. With a station position, each line shows where to point the antenna;
    with boundaries, each flight's crossings and the side it landed on.

    Example: groundstation flights --station 52.2,0.1,30 --boundary border.geojson
    """
    with open_session(obj, config_path) as (store, config):
        boundaries = load_for_command(boundary_paths, config)
        found = _refresh(store, config)
        where = resolve_station(store, station, config)
    crossed = {f.id: flight_boundaries(f, boundaries) for f in found}
    if as_json:
        report = {
            "station": _station_json(where),
            "flights": [
                _summary(f, where) | ({"boundaries": crossed[f.id]} if boundaries else {})
                for f in found
            ],
        }
        click.echo(json.dumps(report, indent=2))
        return
    if not found:
        click.echo("No flights yet.")
        return
    if where is not None:
        click.echo(f"Station: {_station_text(where)}")
    width = max(len("TRACKER"), *(len(_safe(f.tracker)) for f in found))
    click.echo(f"{'ID':>4}  {'TRACKER':<{width}}  {'LAUNCH (UTC)':<24}  {'MAX ALT':>9}  END")
    for f in found:
        launch = iso(f.launch.time) if f.launch is not None else "not seen"
        end = _safe(f.end_reason)
        if f.landing is not None:
            end += f" {iso(f.landing.time)} at {f.landing.lat:.5f}, {f.landing.lon:.5f}"
        elif f.status == "signal lost":
            end += f" ({iso(f.last.time)})"
        click.echo(
            f"{f.id:>4}  {_safe(f.tracker):<{width}}  {launch:<24}  {_alt(f.max_altitude_m):>9}"
            f"  {end}"
        )
        if where is not None:
            click.echo(f"{'':>6}from station: {_view_text(_view(where, f))}")
        for line in flight_boundary_lines(crossed[f.id], " " * 6):
            click.echo(line)


@click.command("flight")
@click.argument("ident", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary_option
@_station_options
@click.pass_obj
def flight(
    obj: dict[str, Any],
    ident: str,
    as_json: bool,
    boundary_paths: tuple[str, ...],
    station: str | None,
    config_path: str | None,
) -> None:
    """Show one flight in full: events, phases, rates, and the view from the station.

    ID is a flight id, 'latest', or a tracker name (its latest flight).

    Example: groundstation flight latest --station 52.2,0.1,30 --boundary border.geojson --json
    """
    with open_session(obj, config_path) as (store, config):
        boundaries = load_for_command(boundary_paths, config)
        chosen = _select(_refresh(store, config), ident)
        where = resolve_station(store, station, config, chosen.end_time)
    report = _detail(chosen, where)
    if boundaries:
        report["boundaries"] = flight_boundaries(chosen, boundaries)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    _echo_flight(chosen, report, where)


def _echo_flight(f: StoredFlight, report: dict[str, Any], where: StationPosition | None) -> None:
    lines = [
        f"Flight {f.id}: {_safe(f.tracker)}, {_safe(f.end_reason)}",
        f"  launch     {_where(f.launch) if f.launch else 'not seen (already in the air)'}",
        f"  burst      {_where(f.burst) if f.burst else 'not seen'}",
        f"  max alt    {_alt(f.max_altitude_m)}",
        f"  landing    {_where(f.landing) if f.landing else 'not seen'}",
        f"  last fix   {_where(f.last)}",
        f"  duration   {_duration(f.duration_s)}",
        f"  mean rates ascent {_rate(f.ascent_rate_mps)}, descent {_rate(f.descent_rate_mps)}",
        f"  distance   {_dist(f.path_length_m)} flown, {_dist(f.launch_to_landing_m)} launch to"
        " landing",
        f"  fixes      {f.fix_count} ({f.rejected_count} implausible dropped),"
        f" {f.packets_lost} packets lost",
    ]
    now = report["now"]
    if now is not None:
        heading = "-" if now["heading_deg"] is None else f"{now['heading_deg']:.0f} deg"
        lines.append(
            f"  last min   vertical {_rate(now['vertical_rate_mps'])}, ground speed"
            f" {_rate(now['ground_speed_mps'])} heading {heading}, sea-level descent"
            f" {_rate(now['sea_level_descent_mps'])}"
        )
    lines.append("  phases:")
    for run in report["phases"]:
        lines.append(
            f"    {run['phase']:<10}  {run['start_time']} .. {run['end_time']}"
            f"  {run['fix_count']:>5} fixes  {_alt(run['start_alt_m'])} .. {_alt(run['end_alt_m'])}"
        )
    lines.append("  rates by altitude band (ascent, descent):")
    for band in report["band_rates"]:
        lines.append(
            f"    {band['bottom_m']:>6,.0f} - {band['top_m']:>6,.0f} m"
            f"  {_rate(band['ascent_rate_mps']):>9}  {_rate(band['descent_rate_mps']):>9}"
        )
    if where is None:
        lines.append("  station    unknown (give --station LAT,LON[,ALT] or a config file)")
    else:
        lines.append(f"  station    {_station_text(where)}")
        lines.append(f"  from station to the last fix: {_view_text(report['station_view'])}")
    if report.get("boundaries"):
        lines.append("  boundaries:")
        lines.extend(flight_boundary_lines(report["boundaries"], "    "))
    click.echo("\n".join(lines))


def _path_json(path: tuple[TrackPoint, ...]) -> list[dict[str, Any]]:
    return [{"time": iso(p.time), "lat": p.lat, "lon": p.lon, "alt_m": p.alt_m} for p in path]


def _landing_json(p: Prediction) -> dict[str, Any]:
    return {
        "time": iso(p.landing.time),
        "lat": p.landing.lat,
        "lon": p.landing.lon,
        "alt_m": p.landing.alt_m,
    }


@click.command("predict")
@click.argument("ident", metavar="[ID]", required=False)
@click.option(
    "--at",
    "at_time",
    callback=_parse_time,
    metavar="TIME",
    help="Use only the data received up to this ISO 8601 UTC time [default: all].",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--burst-altitude",
    "--burst",
    "burst_altitude",
    type=click.FloatRange(min=1, max=60_000),
    metavar="M",
    help="Expected burst altitude for a prediction during ascent or a planned launch"
    " [default: config, else 30000].",
)
@click.option(
    "--descent-rate",
    "--descent",
    "descent_rate",
    type=click.FloatRange(min=0.5, max=50),
    metavar="MPS",
    help="The parachute's sea-level descent speed, used until a descent has been"
    " measured [default: config, else 5].",
)
@click.option(
    "--ascent",
    type=click.FloatRange(min=0.5, max=20),
    metavar="MPS",
    help="Ascent rate [default: measured; for a planned launch 5].",
)
@click.option(
    "--launch",
    metavar="LAT,LON[,ALT]",
    help="Predict a launch not yet made from this site (degrees, metres; ALT default 0),"
    " instead of a flight ID.",
)
@click.option(
    "--time",
    "launch_time",
    callback=_parse_time,
    metavar="TIME",
    help="The planned launch's ISO 8601 UTC time [default: now].",
)
@click.option(
    "--winds",
    metavar="FLIGHT|FILE",
    help="Winds for a planned launch: a flight (id, 'latest' or tracker name) whose measured"
    " winds to use, or a CSV file: altitude_m,speed_mps,direction (degrees the wind blows"
    " FROM), or time,lat,lon,alt of a track.",
)
@click.option(
    "--spread",
    type=click.FloatRange(min=0, max=0.4),
    default=0.1,
    show_default=True,
    help="A planned launch's uncertainty in burst altitude, ascent and descent rate (0.1 ="
    " +-10 %): 27 flights.",
)
@boundary_option
@_station_options
@click.pass_obj
def predict(
    obj: dict[str, Any],
    ident: str | None,
    at_time: datetime | None,
    as_json: bool,
    burst_altitude: float | None,
    descent_rate: float | None,
    ascent: float | None,
    launch: str | None,
    launch_time: datetime | None,
    winds: str | None,
    spread: float,
    boundary_paths: tuple[str, ...],
    station: str | None,
    config_path: str | None,
) -> None:
    """Predict where and when a flight lands, offline, from its own measured winds; or a
    launch not yet made, from the winds another flight measured.

    The prediction is made with only the fixes received up to --at, as it could have been
    made then; the naive baseline (straight-line drift) is shown for comparison, and while
    climbing, where it would land if it burst now. ID is a flight id, 'latest', or a tracker
    name (its latest flight).

    With --launch instead of ID, a planned flight is flown through the --winds of a flight or
    a file; an ensemble over burst altitude, ascent and descent rate gives the spread, and
    each --boundary (or the config file's) says whether the flight would cross it.

    Example: groundstation predict latest --at 2024-06-01T11:05:00Z --json

    Example: groundstation predict --launch 52.2,0.1,30 --winds EMU1 --boundary line.geojson
    """
    if launch is not None:
        if ident is not None or at_time is not None:
            raise click.UsageError(
                "give either a flight ID (with --at) or --launch for a planned launch, not both"
            )
        _predict_planned(
            obj,
            config_path,
            as_json,
            launch,
            launch_time,
            winds,
            (ascent, burst_altitude, descent_rate, spread),
            boundary_paths,
        )
        return
    if ident is None:
        raise click.UsageError(
            "give a flight ID, or --launch LAT,LON[,ALT] with --winds for a planned launch"
        )
    for name, value in (("--time", launch_time), ("--winds", winds)):
        if value is not None:
            raise click.UsageError(f"{name} is for a planned launch: give --launch LAT,LON[,ALT]")
    if boundary_paths:
        raise click.UsageError("--boundary is for a planned launch: give --launch LAT,LON[,ALT]")
    with open_session(obj, config_path) as (store, config):
        chosen = _select(_refresh(store, config), ident)
        if at_time is not None and at_time < chosen.start_time:
            raise click.BadParameter(
                f"flight {chosen.id} ({_safe(chosen.tracker)}) had not started by"
                f" {iso(at_time)}: it starts at {iso(chosen.start_time)}",
                param_hint="'--at'",
            )
        until = chosen.end_time if at_time is None else min(at_time, chosen.end_time)
        fixes = load_fixes(store, chosen.tracker, until, since=chosen.start_time)
        where = resolve_station(store, station, config, until)
    settings = PredictionSettings(
        burst_alt_m=burst_altitude or config.burst_altitude_m or 30_000.0,
        sea_level_descent_mps=descent_rate or config.sea_level_descent_mps or 5.0,
        ascent_rate_mps=ascent,
        flight=_flight_settings(config),
    )
    if chosen.launch is None and where is not None and where.alt_m is not None:
        settings = replace(settings, ground_alt_m=where.alt_m)
    result = forecast(fixes, until, settings)
    if result is None:
        raise click.ClickException(
            f"flight {chosen.id} ({_safe(chosen.tracker)}) was not in the air at {iso(until)}"
            f" ({_safe(chosen.end_reason)}); give --at TIME during the flight to see what was"
            " predicted then"
        )
    ours = result.prediction
    report: dict[str, Any] = {
        "flight_id": chosen.id,
        "tracker": chosen.tracker,
        "at": None if at_time is None else iso(at_time),
        "made_at": iso(ours.made_at),
        "kind": ours.kind,
        "phase": result.flight.phases[-1],
        "landing": _landing_json(ours),
        "path": _path_json(ours.path),
        "burst": _point(ours.burst if ours.burst is not None else result.flight.burst),
        "ascent_rate_mps": ours.ascent_rate_mps,
        "sea_level_descent_mps": ours.sea_level_descent_mps,
        "ground_alt_m": ours.ground_alt_m,
        "naive": None,
        "abort": None,
        "station": _station_json(where),
        "landing_from_station": None,
    }
    burst = report["burst"]
    report["burst_altitude_m"] = None if burst is None else burst["alt_m"]
    if result.naive is not None:
        report["naive"] = {
            "landing": _landing_json(result.naive),
            "distance_from_prediction_m": ground_distance_m(
                ours.landing.lat,
                ours.landing.lon,
                result.naive.landing.lat,
                result.naive.landing.lon,
            ),
        }
    if result.abort is not None:
        report["abort"] = {
            "landing": _landing_json(result.abort),
            "path": _path_json(result.abort.path),
        }
    if where is not None:
        report["landing_from_station"] = {
            "ground_range_m": ground_distance_m(
                where.lat, where.lon, ours.landing.lat, ours.landing.lon
            ),
            "bearing_deg": initial_bearing_deg(
                where.lat, where.lon, ours.landing.lat, ours.landing.lon
            ),
        }
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    _echo_prediction(chosen, report)


def _echo_prediction(f: StoredFlight, report: dict[str, Any]) -> None:
    landing = report["landing"]
    lines = [
        f"Prediction for flight {f.id} ({_safe(f.tracker)}), made from the fix at"
        f" {report['made_at']} ({report['phase']}, {report['kind']} prediction)",
        f"  landing    {landing['time']} at {landing['lat']:.5f}, {landing['lon']:.5f},"
        f" {_alt(landing['alt_m'])}",
    ]
    burst = report["burst"]
    if burst is not None:
        label = "burst      " if report["kind"] == "ascent" else "burst was  "
        lines.append(f"  {label}{burst['time']} at {_alt(burst['alt_m'])}")
    climb = (
        "" if report["ascent_rate_mps"] is None else f"ascent {_rate(report['ascent_rate_mps'])}, "
    )
    lines.append(
        f"  assumed    {climb}sea-level descent {_rate(report['sea_level_descent_mps'])},"
        f" ground at {_alt(report['ground_alt_m'])}"
    )
    naive = report["naive"]
    if naive is not None:
        n = naive["landing"]
        lines.append(
            f"  naive      {n['time']} at {n['lat']:.5f}, {n['lon']:.5f} (straight-line drift;"
            f" {_dist(naive['distance_from_prediction_m'])} from ours)"
        )
    abort = report["abort"]
    if abort is not None:
        a = abort["landing"]
        lines.append(
            f"  abort      {a['time']} at {a['lat']:.5f}, {a['lon']:.5f} (if it burst now)"
        )
    seen = report["landing_from_station"]
    if seen is not None:
        lines.append(
            f"  from station {_dist(seen['ground_range_m'])} at bearing"
            f" {seen['bearing_deg']:.0f} deg ({_safe(report['station']['source'])})"
        )
    lines.append("  path (time, lat, lon, alt):")
    for p in report["path"]:
        lines.append(f"    {p['time']}  {p['lat']:9.5f}  {p['lon']:10.5f}  {p['alt_m']:8.0f} m")
    click.echo("\n".join(lines))


# -- planned launches --------------------------------------------------------------------------


def _predict_planned(
    obj: dict[str, Any],
    config_path: str | None,
    as_json: bool,
    launch_text: str,
    launch_time: datetime | None,
    winds: str | None,
    rates: tuple[float | None, float | None, float | None, float],
    boundary_paths: tuple[str, ...],
) -> None:
    ascent, burst, descent, spread = rates
    try:
        config = load_config(config_path)
        site = parse_station(launch_text, "planned launch")
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="'--launch'") from None
    if winds is None or not winds.strip():
        raise click.UsageError("a planned launch needs --winds FLIGHT|FILE to fly in")
    boundaries = load_for_command(boundary_paths, config)
    profile, source = _planned_winds(obj, config_path, winds)
    plan = PlannedLaunch(
        time=launch_time or datetime.now(UTC).replace(microsecond=0),
        lat=site.lat,
        lon=site.lon,
        alt_m=site.alt_m or 0.0,
        ascent_mps=ascent or 5.0,
        burst_alt_m=burst or config.burst_altitude_m or 30_000.0,
        sea_level_descent_mps=descent or config.sea_level_descent_mps or 5.0,
    )
    problems = plan.problems()
    if problems:
        raise click.UsageError(f"the planned launch cannot be flown: {problems[0]}")
    report = planned_report(predict_planned(plan, profile, boundaries, spread), source)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo("\n".join(planned_lines(report)))


def _planned_winds(
    obj: dict[str, Any], config_path: str | None, winds: str
) -> tuple[WindProfile, dict[str, Any]]:
    """The wind profile named by --winds: a file if there is one by that name, else a flight."""
    path = Path(winds)
    if path.is_file():
        try:
            profile, kind = read_winds(path)
        except SoundingError as exc:
            raise click.BadParameter(str(exc), param_hint="'--winds'") from None
        return profile, {
            "source": f"{kind} file",
            "file": str(path),
            "description": f"from the {kind} file {path}",
        }
    if not Path(obj["db"]).exists():
        raise click.BadParameter(
            f"'{_safe(winds)}' is neither a wind file nor a flight (no database at {obj['db']})",
            param_hint="'--winds'",
        )
    with open_session(obj, config_path) as (store, config):
        chosen = select_flight(_refresh(store, config), winds)
    if chosen is None:
        raise click.BadParameter(
            f"'{_safe(winds)}' is neither a wind file nor a flight: give a CSV file or {ID_HELP}",
            param_hint="'--winds'",
        )
    airborne = (
        () if chosen.analysis is None else chosen.analysis.fixes_in("ascent", "float", "descent")
    )
    profile = wind_profile(airborne)
    if not profile.bands:
        raise click.BadParameter(
            f"flight {chosen.id} ({_safe(chosen.tracker)}) has no winds measured yet",
            param_hint="'--winds'",
        )
    return profile, {
        "source": "flight",
        "flight_id": chosen.id,
        "tracker": chosen.tracker,
        "launch_time": None if chosen.launch is None else iso(chosen.launch.time),
        "description": f"measured by flight {chosen.id} ({chosen.tracker})",
    }
