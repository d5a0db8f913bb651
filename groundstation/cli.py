"""The ``groundstation`` command: thin click commands over the library.

Every failure a user can cause (a wrong argument, a missing file, a read-only database) ends as
one plain sentence on stderr and a non-zero exit; never a traceback.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from groundstation import worker as decoding
from groundstation.printable import printable as _safe

if TYPE_CHECKING:
    from groundstation.ingest import ImportResult
    from groundstation.models import SourceEvent
    from groundstation.pipeline import Pipeline
    from groundstation.store.database import Store

# Each command imports what it needs when it runs, not every command's modules (this module
# loads in ~20 ms instead of ~180 ms): so an import starts its decoding process before the
# ~150 ms of imports it needs itself.
_COMMANDS = {
    "simulate": "groundstation.cli_simulate:simulate",
    "live": "groundstation.cli_live:live",
    "demo": "groundstation.cli_live:demo",
    "flights": "groundstation.cli_flights:flights",
    "flight": "groundstation.cli_flights:flight",
    "predict": "groundstation.cli_flights:predict",
    "campaign": "groundstation.cli_campaign:campaign",
    "export": "groundstation.cli_export:export",
}

DEFAULT_DB = "groundstation.db"


class _Commands(click.Group):
    """The commands of this module, and those of other modules imported when one is run or
    listed (:data:`_COMMANDS`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = _COMMANDS.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        module, name = where.split(":")
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    envvar="GROUNDSTATION_DB",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite database file (env GROUNDSTATION_DB).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens in detail on stderr.")
@click.pass_context
def main(ctx: click.Context, db_path: str, verbose: bool) -> None:
    """Ground station for high-altitude balloon trackers.

    Reads trackers' GPS/NMEA packets from serial ports and logs into a SQLite database.

    Example: groundstation --db flight.db import sample_logs/clean-nmea.log
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = {"db": db_path}


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the failures a user can cause into one plain sentence."""
    from groundstation.sources.files import SourceError
    from groundstation.store.database import StoreError
    from groundstation.store.schema import SchemaTooNew

    try:
        yield
    except (StoreError, SourceError, SchemaTooNew) as exc:
        raise click.ClickException(str(exc)) from None


@contextmanager
def _pipeline(
    db: str, *, resumable: bool = False, **writer_options: Any
) -> Iterator[tuple[Pipeline, Store]]:
    """The store and its writer; a write failure ends as one sentence saying what was lost.

    ``resumable``: the input can be read again (a file import), so the writer stops at the
    first failure and the message says to run the command again."""
    from groundstation.ingest import open_store
    from groundstation.pipeline import Pipeline
    from groundstation.store.writer import BatchWriter

    with _errors():
        store = open_store(db)
        writer = BatchWriter(db, hold_on_error=not resumable, **writer_options).start()
    pipeline = Pipeline(writer)
    try:
        yield pipeline, store
    finally:
        writer.close()
        store.close()
        if writer.error or writer.lost:
            problem = writer.error or f"the database {db} failed for a while"
            if resumable:
                problem += "; the import stopped: run it again to continue where it stopped"
            elif writer.lost:
                problem += f"; {writer.lost} lines received could not be stored"
            raise click.ClickException(problem)


_BULK: dict[str, Any] = {"max_delay": 1.0, "min_delay": 1.0, "max_batch": 4_000, "max_queue": 4}
"""A bulk import commits a batch once ~4,000 lines wait (about one chunk of a file decoded in a
second process; with 10,000, the writer's last commit ended ~55 ms after the decoding, now
~35 ms), or once a second; a few chunks in flight bound its memory."""
_DATE_HELP = "The UTC day the log was recorded, for logs that never say it (GGA-only, UKHAS)."


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--tracker", help="Tracker name for plain NMEA (default: the file's name).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help=_DATE_HELP)
@click.pass_obj
def import_cmd(
    obj: dict[str, Any], files: tuple[str, ...], tracker: str | None, day: datetime | None
) -> None:
    """Import log files as fast as possible (- reads stdin).

    Importing the same file again adds nothing; an interrupted import continues.

    Example: groundstation import sample_logs/*.log
    """
    paths = [Path(f) for f in files]
    for p in paths:
        if str(p) != "-" and not p.is_file():
            raise click.BadParameter(f"{p} is not a readable file", param_hint="FILES")
    # A big file is decoded in a process of its own: started first, it imports its modules
    # while this one imports its own.
    worker = decoding.start() if decoding.big_enough(paths[0]) else None
    try:
        results = _import(obj["db"], paths, tracker, day, worker)
    finally:
        if worker is not None:
            decoding.end(worker)
    for r in results:
        if r.already_complete:
            click.echo(f"{_safe(r.name)}: already imported, nothing added")
        else:
            click.echo(_safe(r.counts.summary()))


def _import(
    db: str,
    paths: list[Path],
    tracker: str | None,
    day: datetime | None,
    worker: subprocess.Popen[bytes] | None,
) -> list[ImportResult]:
    """:func:`import_file` of each path in turn, with a progress bar; ``worker`` for the first."""
    from rich.markup import escape
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from groundstation.ingest import import_file

    total = sum(p.stat().st_size for p in paths if str(p) != "-")
    with (
        _pipeline(db, resumable=True, **_BULK) as (pipeline, store),
        Progress(
            "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
            TimeRemainingColumn(), console=_stderr_console(), transient=True,
        ) as bar,
        _errors(),
    ):  # fmt: skip
        task = bar.add_task("importing", total=total or None)
        results = []
        for p in paths:
            bar.update(task, description=f"importing {escape(_safe(_name(p)))}")  # no markup
            results.append(
                import_file(
                    pipeline,
                    store,
                    p,
                    tracker=tracker,
                    day=day.date() if day else None,
                    progress=lambda n: bar.advance(task, n),
                    worker=worker if p is paths[0] else None,
                )  # fmt: skip
            )
    return results


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--speed", default=1.0, show_default=True, type=click.FloatRange(min=0),
    help="How many times faster than real time; 0 = as fast as possible.",
)  # fmt: skip
@click.option("--tracker", help="Tracker name for plain NMEA (default: the file's name).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help=_DATE_HELP)
@click.pass_obj
def replay(
    obj: dict[str, Any], file: str, speed: float, tracker: str | None, day: datetime | None
) -> None:
    """Replay a log through the live pipeline, paced by its sentence times.

    Example: groundstation replay sample_logs/clean-nmea.log --speed 20
    """
    from groundstation.ingest import replay_file

    stop = threading.Event()
    with _pipeline(obj["db"]) as (pipeline, store), _interrupts(stop), _errors():
        result = replay_file(
            pipeline, store, Path(file), speed=speed, tracker=tracker, stop=stop,
            day=day.date() if day else None,
        )  # fmt: skip
    click.echo(_safe(result.counts.summary()))


@main.command()
@click.argument("ports", nargs=-1, required=True)
@click.option("--baud", default=9600, show_default=True, type=click.IntRange(min=50))
@click.option("--tracker", help="Tracker name for plain NMEA (default: the port's name).")
@click.option(
    "--station-port", "station_ports", multiple=True, metavar="PORT",
    help="A port with the ground station's own GPS (repeatable): its fixes are the station's.",
)  # fmt: skip
@click.option(
    "--no-clock-check", is_flag=True,
    help="Accept fix times far from this computer's clock (a sped-up emulator, a piped log).",
)  # fmt: skip
@click.pass_obj
def listen(
    obj: dict[str, Any],
    ports: tuple[str, ...],
    baud: int,
    tracker: str | None,
    station_ports: tuple[str, ...],
    no_clock_check: bool,
) -> None:
    """Read serial ports until Ctrl-C, storing every line.

    PORT is a device path or a pyserial URL (socket://host:port, rfc2217://..., loop://).
    A port that disappears is reopened as soon as it is back.

    Example: groundstation listen /dev/ttyUSB0 --baud 9600
    """
    from groundstation.ingest import Listener

    stop = threading.Event()

    def report(event: SourceEvent) -> None:
        detail = f": {event.detail}" if event.detail else ""
        click.echo(f"{_safe(event.name)}: {event.state}{detail}", err=True)

    def report_db(error: str | None) -> None:
        if error is None:
            click.echo("database: writing again; the lines held meanwhile are stored", err=True)
        else:
            click.echo(
                f"database: {error}; holding the lines received until it can write", err=True
            )

    with _pipeline(obj["db"], on_error=report_db) as (pipeline, store), _errors():
        pipeline.subscribe_events(report)
        listener = Listener(
            pipeline, store, ports, baud=baud, tracker=tracker, station_ports=station_ports,
            live_clock=not no_clock_check,
        ).start()  # fmt: skip
        names = ", ".join(map(_safe, [*ports, *station_ports]))
        click.echo(f"Listening on {names}; Ctrl-C stops.", err=True)
        with _interrupts(stop):
            while not stop.wait(0.5):
                pass
        listener.stop()
    counts = list(pipeline.counts.values())
    lines = sum(c.lines for c in counts)
    fixes = sum(c.fixes for c in counts)
    rejected = sum(c.rejected for c in counts)
    per_port = "; ".join(_safe(c.summary()) for c in counts)
    click.echo(f"Stopped: {lines} lines stored, {fixes} fixes, {rejected} rejected ({per_port})")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def ports(as_json: bool) -> None:
    """List serial ports with USB VID:PID, serial number and description.

    Example: groundstation ports
    """
    from groundstation.sources.serial_port import list_serial_ports

    found = list_serial_ports()
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    if not found:
        click.echo("No serial ports found.")
        return
    for p in found:
        fields = [p["device"] or "?", p["vid_pid"] or "-", p["serial_number"] or "-",
                  p["description"] or "-"]  # fmt: skip
        click.echo("  ".join(_safe(f) for f in fields))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(obj: dict[str, Any], as_json: bool) -> None:
    """What the database holds: per source and tracker, lines, fixes and rejects.

    Example: groundstation status --json
    """
    from groundstation.store.database import Store, StoreError, describe_error
    from groundstation.store.queries import status as status_query

    db = obj["db"]
    if not Path(db).exists():
        raise click.ClickException(f"no database at {db}: import or listen first")
    with _errors():
        store = Store(db, readonly=True)
        try:
            result = status_query(store)
        except sqlite3.Error as exc:  # e.g. a WAL database in a folder it cannot write to
            raise StoreError(describe_error(exc, db)) from None
        finally:
            store.close()
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo("Sources:")
    for s in result["sources"]:
        click.echo(
            f"  {_safe(s['name'])} ({s['kind']}): {s['lines']} lines, {s['ok']} ok,"
            f" {s['rejected']} rejected;"
            f" {s['first_received'] or '-'} .. {s['last_received'] or '-'}"
        )
        _echo_reasons(s["rejects_by_reason"])
    click.echo("Trackers:")
    for t in result["trackers"]:
        last = t["last_position"]
        where = (
            f"last {last['time']} at {last['lat']:.5f},{last['lon']:.5f}"
            + (f" {last['alt_m']:.0f} m" if last["alt_m"] is not None else "")
            if last
            else "no fix yet"
        )
        click.echo(
            f"  {_safe(t['name'])}: {t['lines']} lines, {t['fixes']} fixes, {t['rejected']}"
            f" rejected; {t['first_fix'] or '-'} .. {t['last_fix'] or '-'}; {where}"
        )
        if t["packets"] or t["packets_lost"]:
            click.echo(
                f"    packets: {t['packets']} received, {t['packets_lost']} lost,"
                f" {t['bad_crc']} failed their CRC"
            )
        _echo_reasons(t["rejects_by_reason"])


def _echo_reasons(reasons: dict[str, int]) -> None:
    for reason, n in list(reasons.items())[:8]:
        click.echo(f"      {n:>7}  {_safe(reason)}")
    if len(reasons) > 8:
        click.echo(f"      ... and {len(reasons) - 8} more reasons")


@contextmanager
def _interrupts(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM set ``stop`` instead of killing mid-write."""
    previous = {}

    def handler(signum: int, frame: object) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _name(p: Path) -> str:
    return "stdin" if str(p) == "-" else p.name


def run(argv: list[str] | None = None) -> None:
    """Entry point: one plain sentence for any error, never a traceback."""
    try:
        code = main.main(args=argv, prog_name="groundstation", standalone_mode=False)
    except click.UsageError as exc:
        hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
        click.echo(f"Error: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence
        if os.environ.get("GROUNDSTATION_DEBUG"):
            raise
        logging.getLogger(__name__).debug("unexpected failure", exc_info=True)
        click.echo(f"Error: unexpected failure ({type(exc).__name__}: {exc})", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
