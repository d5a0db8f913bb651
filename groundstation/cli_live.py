"""``groundstation live`` and ``groundstation demo``: the launch crew's live view.

Thin click commands over :mod:`groundstation.tui`: they build the data source (ports, a replayed
log, or the database another process writes), hand it to the app, and after the app has quit
print what was stored. The emulator behind ``demo`` is the one ``groundstation simulate --pty``
runs (its pseudo-terminal writer and pacing are imported from :mod:`groundstation.cli_simulate`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

import click

from firmware_protocol.emulator.output import PtyWriter, paced
from groundstation.config import ConfigError, load_config, parse_station
from groundstation.models import SourceEvent
from groundstation.sources.files import SourceError
from groundstation.store.database import StoreError
from groundstation.store.schema import SchemaTooNew
from groundstation.tui.settings import DEFAULT_STALE_AFTER_S, LiveSettings, Station

DEMO_DB = "demo.db"
DEMO_STATION = "52.17,0.16,20"


def _settings(
    station: str | None,
    stale_after: float | None,
    db: str,
    boundary_files: tuple[str, ...] = (),
) -> LiveSettings:
    """Command line first, then the configuration file, then the defaults.

    Boundaries: the ``--boundary`` files if any are given, else the configuration file's.
    """
    from groundstation.flight.boundary import BoundaryError, load_boundary_files

    try:
        config = load_config()
        position = parse_station(station) if station is not None else config.station
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--station") from None
    where = None
    if position is not None:
        where = Station(position.lat, position.lon, position.alt_m or 0.0)
    stale = stale_after or config.stale_after_s or DEFAULT_STALE_AFTER_S
    paths = [Path(p) for p in boundary_files] or list(config.boundary_paths)
    try:
        boundaries = tuple(load_boundary_files(paths))
    except BoundaryError as exc:
        if boundary_files:
            raise click.BadParameter(str(exc), param_hint="--boundary") from None
        raise click.ClickException(f"{exc} (from the configuration file)") from None
    return LiveSettings(station=where, stale_after_s=stale, db_path=db, boundaries=boundaries)


class _StatusLine(logging.Handler):
    def __init__(self, app: Any) -> None:
        super().__init__(logging.WARNING)
        self.app = app

    def emit(self, record: logging.LogRecord) -> None:
        self.app.notice(record.getMessage())


def _run_app(settings: LiveSettings, source: Any) -> None:
    from groundstation.tui.app import LiveApp  # Textual loads only for the live view

    app = LiveApp(settings, [source] if source is not None else [])
    # While the app owns the terminal, warnings go to its status line, not over the screen.
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [_StatusLine(app)]
    try:
        app.run()
    finally:
        app.stop_sources()
        root.handlers = saved
    failure = source.error() if source is not None else None
    if failure:
        raise click.ClickException(failure)


def _summary(source: Any) -> None:
    pipeline = getattr(source, "pipeline", None)
    if pipeline is None:
        return
    counts = list(pipeline.counts.values())
    lines = sum(c.lines for c in counts)
    fixes = sum(c.fixes for c in counts)
    rejected = sum(c.rejected for c in counts)
    click.echo(f"Stopped: {lines} lines stored, {fixes} fixes, {rejected} rejected.")


_station_option = click.option(
    "--station", metavar="LAT,LON[,ALT]",
    help="The ground station's position, for range, bearing and elevation "
    "[default: the station's GPS, else the configuration file].",
)  # fmt: skip
_boundary_option = click.option(
    "--boundary", "boundary_files", multiple=True, type=click.Path(dir_okay=False),
    metavar="FILE.geojson",
    help="Watch this border line or area (GeoJSON; repeatable): crossings go into the event "
    "log and the Cross column [default: the configuration file's [boundary] files].",
)  # fmt: skip
_stale_option = click.option(
    "--stale-after", type=click.FloatRange(min=1), metavar="SECONDS",
    help=f"A tracker silent this long turns red [default: {DEFAULT_STALE_AFTER_S:g}].",
)  # fmt: skip


@click.command("live")
@click.argument("ports", nargs=-1)
@click.option("--replay", type=click.Path(dir_okay=False), help="Replay this log instead.")
@click.option(
    "--speed", default=1.0, show_default=True, type=click.FloatRange(min=0),
    help="Replay speed: X times faster than real time; 0 = as fast as possible.",
)  # fmt: skip
@click.option("--baud", default=9600, show_default=True, type=click.IntRange(min=50))
@click.option("--tracker", help="Tracker name for plain NMEA (default: the port's name).")
@click.option(
    "--no-clock-check",
    is_flag=True,
    help="Accept fix times far from this computer's clock (a sped-up emulator on a port).",
)
@_station_option
@_stale_option
@_boundary_option
@click.pass_obj
def live(
    obj: dict[str, Any],
    ports: tuple[str, ...],
    replay: str | None,
    speed: float,
    baud: int,
    tracker: str | None,
    no_clock_check: bool,
    station: str | None,
    stale_after: float | None,
    boundary_files: tuple[str, ...],
) -> None:
    """The live view: trackers, their flights and the radio link, as they happen.

    With PORTs it reads them as `listen` does, storing every line; with --replay it feeds a log
    through the same pipeline; with neither it follows the database while another process
    (`listen`, `replay`) writes it. Keys: up/down select, s/S sort, r reverse, f/F filter
    (all, airborne, descending, crossed, lost, landed), m map, e events, ? help, q quit.

    Example: groundstation live /dev/ttyUSB0 --station 52.2,0.1,30 --boundary border.geojson
    """
    from groundstation.tui.sources import FollowSource, PortsSource, ReplaySource

    if ports and replay:
        raise click.UsageError("give either PORTs or --replay, not both")
    if replay is not None and not Path(replay).is_file():
        raise click.BadParameter(f"{replay} is not a readable file", param_hint="--replay")
    db = obj["db"]
    settings = _settings(station, stale_after, db, boundary_files)
    source: Any
    try:
        if replay is not None:
            source = ReplaySource(db, replay, speed=speed)
        elif ports:
            source = PortsSource(
                db, ports, baud=baud, tracker=tracker, live_clock=not no_clock_check
            )
        else:
            source = FollowSource(db)
        _run_app(settings, source)
    except (StoreError, SourceError, SchemaTooNew) as exc:
        raise click.ClickException(str(exc)) from None
    _summary(source)


class _Emulator:
    """The tracker emulator writing to a pseudo-terminal from a thread, until stopped."""

    def __init__(self, trackers: int, seed: int, speed: float, interval: float) -> None:
        from firmware_protocol.emulator import SimulationConfig, fly, simulate

        start = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.config = SimulationConfig(trackers=trackers, seed=seed, interval=interval, start=start)
        problems = self.config.problems()
        if problems:
            raise click.UsageError(problems[0][0].upper() + problems[0][1:] + ".")
        self.port = PtyWriter()
        self._chunks = paced(simulate(self.config, fly(self.config)), speed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emulator", daemon=True)
        self._lock = threading.Lock()
        self._started = False

    def start(self) -> _Emulator:
        """Start sending (once; later calls do nothing)."""
        with self._lock:
            if not self._thread.is_alive() and not self._started:
                self._started = True
                self._thread.start()
        return self

    def _run(self) -> None:
        for data in self._chunks:
            if self._stop.is_set():
                return
            self.port.write(data)

    def stop(self) -> None:
        self._stop.set()
        if self._started:
            self._thread.join(2.0)
        self.port.close()


@click.command("demo")
@click.option("--trackers", default=2, show_default=True, type=click.IntRange(1, 26))
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same flights.")
@click.option(
    "--speed", default=40.0, show_default=True, type=click.FloatRange(min=1),
    help="How many times faster than real time the emulated flight runs.",
)  # fmt: skip
@click.option(
    "--interval", default=1.0, show_default=True, type=click.FloatRange(0.1, 600),
    help="Seconds (of flight time) between a tracker's packets.",
)  # fmt: skip
@click.option("--station", default=DEMO_STATION, show_default=True, metavar="LAT,LON[,ALT]",
              help="The ground station's position.")  # fmt: skip
@_stale_option
@_boundary_option
@click.pass_context
def demo(
    ctx: click.Context,
    trackers: int,
    seed: int,
    speed: float,
    interval: float,
    station: str,
    stale_after: float | None,
    boundary_files: tuple[str, ...],
) -> None:
    """A whole simulated flight in a few minutes: the emulator on a virtual serial port, live.

    Two trackers fly, burst and land at 40x speed (about four minutes). Everything received is
    stored in demo.db in the current folder (or the --db given). q quits.

    Example: groundstation demo --speed 60
    """
    from groundstation.tui.sources import PortsSource

    db = ctx.obj["db"]
    parent = ctx.parent
    if parent is not None and parent.get_parameter_source("db_path") in (
        click.core.ParameterSource.DEFAULT,
        click.core.ParameterSource.DEFAULT_MAP,
    ):
        db = DEMO_DB
    settings = _settings(station, stale_after, db, boundary_files)
    emulator = _Emulator(trackers, seed, speed, interval)
    try:
        # A sped-up emulator's fix times run ahead of the wall clock: do not check them against it.
        source = PortsSource(db, [emulator.port.path], live_clock=False)

        # The flight starts once the port is open, so the view sees it from before the launch.
        def on_event(event: SourceEvent) -> None:
            if event.state == "open":
                emulator.start()

        source.pipeline.subscribe_events(on_event)
        _run_app(settings, source)
    except (StoreError, SourceError, SchemaTooNew) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        emulator.stop()
    _summary(source)
    click.echo(f"The demo flight is stored in {db}.")
