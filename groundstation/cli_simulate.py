"""``groundstation simulate``: run the tracker emulator and send its bytes somewhere.

Only :mod:`firmware_protocol` is used from this project, so the command can be registered
on the main CLI group without pulling in the rest of the ground station.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Iterator
from typing import BinaryIO

import click

from firmware_protocol.emulator import (
    DEFAULT_START,
    FORMATS,
    SimulationConfig,
    fly,
    truth_to_json,
)
from firmware_protocol.emulator import (
    simulate as run_simulation,
)
from firmware_protocol.emulator.boundary import boundary_across
from firmware_protocol.emulator.campaign import (
    SITE_ORDERS,
    CampaignConfig,
    LaunchSite,
    campaign_stream,
    campaign_truth_json,
    fly_campaign,
    parse_duration,
    parse_sites,
)
from firmware_protocol.emulator.output import PtyWriter, paced

logger = logging.getLogger(__name__)


def _parse_launch(ctx: click.Context, param: click.Parameter, value: str) -> tuple[float, ...]:
    parts = value.split(",")
    try:
        lat, lon, alt = (float(part) for part in parts)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not LAT,LON,ALT in decimal degrees and metres, e.g. 52.2,0.1,30"
        ) from None
    return lat, lon, alt


def _parse_sites(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[LaunchSite, ...] | None:
    try:
        return None if value is None else parse_sites(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _parse_window(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    try:
        return None if value is None else parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _parse_start(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> dt.datetime | None:
    if value is None:
        return None
    try:
        start = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO time such as 2024-06-01T09:00:00Z"
        ) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    return start.astimezone(dt.UTC)


CAMPAIGN_ONLY = ("sites", "site_order", "window", "burst_spread", "ascent_spread", "boundary_out")


@click.command("simulate")
@click.option("--trackers", type=int, default=1, show_default=True, help="Number of trackers.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--callsign", "callsign_prefix", default="EMU", show_default=True,
    help="Callsign prefix: trackers are PREFIX1, PREFIX2, ...",
)  # fmt: skip
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="habp",
    show_default=True,
    help="habp: our protocol with receiver reports; nmea: plain GGA+RMC; ukhas: $$ sentences.",
)
@click.option("--ascent-rate", type=float, default=5.0, show_default=True, help="m/s.")
@click.option("--burst-altitude", type=float, default=30_000.0, show_default=True, help="m.")
@click.option("--descent-rate", type=float, default=5.0, show_default=True, help="Sea-level m/s.")
@click.option(
    "--launch",
    default="52.2,0.1,30",
    show_default=True,
    callback=_parse_launch,
    help="Launch site LAT,LON,ALT (degrees, metres).",
)
@click.option(
    "--interval",
    type=float,
    default=None,
    help="Seconds between packets [default: 1, or 5 with --campaign].",
)
@click.option("--loss", type=float, default=0.0, show_default=True, help="Packet loss rate.")
@click.option("--bit-errors", type=float, default=0.0, show_default=True, help="Bit error rate.")
@click.option(
    "--truncate", type=float, default=0.0, show_default=True, help="Truncated-packet rate."
)
@click.option(
    "--noise", type=float, default=0.0, show_default=True, help="Rate of receiver garbage."
)
@click.option(
    "--speed",
    type=float,
    default=None,
    help="1 = real time, X = X times faster, 0 = as fast as possible "
    "[default: 1 with --pty, else 0].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file [default: stdout].",
)
@click.option("--pty", is_flag=True, help="Create a pseudo-terminal and write to it.")
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the true trajectories and events to this JSON file.",
)
@click.option(
    "--start",
    callback=_parse_start,
    default=None,
    help="UTC start time, ISO 8601 [default: 2024-06-01T09:00:00Z, or now in real time].",
)
@click.option(
    "--campaign",
    "balloons",
    type=int,
    default=None,
    help="Fly a campaign of N balloons (PREFIX1..PREFIXN, in launch order) instead of --trackers.",
)
@click.option(
    "--sites",
    callback=_parse_sites,
    default=None,
    help="Campaign launch sites 'LAT,LON,ALT;LAT,LON,ALT;...' [default: the --launch site].",
)
@click.option(
    "--site-order",
    type=click.Choice(SITE_ORDERS),
    default="round-robin",
    show_default=True,
    help="Campaign: take the sites in turn, or pick one at random (seeded) per launch.",
)
@click.option(
    "--window",
    callback=_parse_window,
    default=None,
    help="Campaign: launches are spread over this long, e.g. 8h, 90m, 1h30m [default: 8h].",
)
@click.option(
    "--burst-spread",
    type=float,
    default=0.08,
    show_default=True,
    help="Campaign: each balloon's burst altitude is within this fraction of --burst-altitude.",
)
@click.option(
    "--ascent-spread",
    type=float,
    default=0.10,
    show_default=True,
    help="Campaign: each balloon's ascent rate is within this fraction of --ascent-rate.",
)
@click.option(
    "--boundary-out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Campaign: write a GeoJSON line across the drift that some balloons land beyond.",
)
@click.pass_context
def simulate(
    ctx: click.Context,
    trackers: int,
    seed: int,
    callsign_prefix: str,
    output_format: str,
    ascent_rate: float,
    burst_altitude: float,
    descent_rate: float,
    launch: tuple[float, float, float],
    interval: float | None,
    loss: float,
    bit_errors: float,
    truncate: float,
    noise: float,
    speed: float | None,
    output: str | None,
    pty: bool,
    truth: str | None,
    start: dt.datetime | None,
    balloons: int | None,
    sites: tuple[LaunchSite, ...] | None,
    site_order: str,
    window: float | None,
    burst_spread: float,
    ascent_spread: float,
    boundary_out: str | None,
) -> None:
    """Emulate balloon trackers in flight and send what a receiver would hear.

    Seeded and physically grounded: ascent, burst, parachute descent, wind drift, landing,
    with optional radio faults. Example, three trackers with 2% loss on a virtual serial
    port at 10x speed, keeping the true flights for comparison:

        groundstation simulate --trackers 3 --loss 0.02 --pty --speed 10 --truth truth.json

    Or a whole flight to a file as fast as possible:

        groundstation simulate --seed 4 -o flight.log

    With --campaign N, a night of N launches: spread over --window (seeded jitter) from the
    --sites in turn, each balloon's burst altitude and ascent rate a little different, all
    drifting in winds that change slowly through the night, heard by one receiver at the
    first site. --truth then also records each balloon's site, and --boundary-out writes a
    line across the drift (GeoJSON) that some balloons land beyond and some short of:

    \b
        groundstation simulate --campaign 30 --sites "52.2,0.1,30;51.9,-0.4,60" \\
            --window 8h --seed 7 -o night.log --truth night.json --boundary-out line.geojson
    """
    if pty and output is not None:
        raise click.UsageError("use either --pty or -o/--output, not both")
    if speed is None:
        speed = 1.0 if pty else 0.0
    if speed < 0:
        raise click.BadParameter("speed must be 0 or more", param_hint="--speed")
    if start is None:
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) if speed > 0 else DEFAULT_START

    def given(name: str) -> bool:
        return ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE

    if balloons is None:
        for name in CAMPAIGN_ONLY:
            if given(name):
                option = "--" + name.replace("_", "-")
                raise click.UsageError(f"{option} applies only to a campaign (--campaign N).")
    else:
        if given("trackers"):
            raise click.UsageError("Use either --campaign or --trackers, not both.")
        if given("launch") and sites is not None:
            raise click.UsageError("Use either --sites or --launch with --campaign, not both.")
        campaign = CampaignConfig(
            balloons=balloons,
            sites=sites or (LaunchSite(*launch),),
            site_order=site_order,  # type: ignore[arg-type]  # checked by click.Choice
            window=8 * 3600.0 if window is None else window,
            seed=seed,
            output_format=output_format,  # type: ignore[arg-type]  # checked by click.Choice
            ascent_rate=ascent_rate,
            burst_altitude=burst_altitude,
            descent_rate=descent_rate,
            burst_spread=burst_spread,
            ascent_spread=ascent_spread,
            interval=5.0 if interval is None else interval,
            loss=loss,
            bit_errors=bit_errors,
            truncate=truncate,
            noise=noise,
            start=start,
            callsign_prefix=callsign_prefix,
        )
        _refuse(campaign.problems())
        try:
            _run_campaign(campaign, speed, output, pty, truth, boundary_out)
        except KeyboardInterrupt:
            click.echo("Stopped.", err=True)
            raise click.exceptions.Exit(130) from None
        return
    config = SimulationConfig(
        trackers=trackers,
        seed=seed,
        output_format=output_format,  # type: ignore[arg-type]  # checked by click.Choice
        ascent_rate=ascent_rate,
        burst_altitude=burst_altitude,
        descent_rate=descent_rate,
        launch_lat=launch[0],
        launch_lon=launch[1],
        launch_alt=launch[2],
        interval=1.0 if interval is None else interval,
        loss=loss,
        bit_errors=bit_errors,
        truncate=truncate,
        noise=noise,
        start=start,
        callsign_prefix=callsign_prefix,
    )
    _refuse(config.problems())
    try:
        _run(config, speed, output, pty, truth)
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
        raise click.exceptions.Exit(130) from None


def _refuse(problems: list[str]) -> None:
    if problems:
        raise click.UsageError(problems[0][0].upper() + problems[0][1:] + ".")


def _run(
    config: SimulationConfig, speed: float, output: str | None, pty: bool, truth: str | None
) -> None:
    flights = fly(config)
    if truth is not None:
        with open(truth, "w", encoding="utf-8") as handle:
            json.dump(truth_to_json(config, flights), handle, indent=1)
    _deliver(paced(run_simulation(config, flights), speed), output, pty)


def _run_campaign(
    config: CampaignConfig,
    speed: float,
    output: str | None,
    pty: bool,
    truth: str | None,
    boundary_out: str | None,
) -> None:
    flights = fly_campaign(config)
    boundary = boundary_across(flights, f"Campaign boundary (seed {config.seed})")
    if boundary_out is not None:
        with open(boundary_out, "w", encoding="utf-8") as handle:
            json.dump(boundary.to_geojson(), handle, indent=1)
    if truth is not None:
        # dumps, not dump: the C encoder is ten times faster on a night's megabytes of points
        text = json.dumps(campaign_truth_json(config, flights, boundary))
        with open(truth, "w", encoding="utf-8") as handle:
            handle.write(text)
    _deliver(paced(campaign_stream(config, flights), speed), output, pty)


def _deliver(chunks: Iterator[bytes], output: str | None, pty: bool) -> None:
    if pty:
        _to_pty(chunks)
    elif output is not None:
        with open(output, "wb") as handle:
            _to_stream(chunks, handle)
    else:
        _to_stdout(chunks)


def _to_stream(chunks: Iterator[bytes], handle: BinaryIO) -> None:
    for data in chunks:
        handle.write(data)
        handle.flush()


def _to_stdout(chunks: Iterator[bytes]) -> None:
    stream = sys.stdout.buffer
    try:
        _to_stream(chunks, stream)
    except BrokenPipeError:
        # the reader (e.g. `| head`) went away: stop quietly, without a flush error at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _to_pty(chunks: Iterator[bytes]) -> None:
    port = PtyWriter()
    click.echo(f"Serial port: {port.path}", err=True)
    try:
        for data in chunks:
            port.write(data)
        click.echo("Flight finished.", err=True)
    finally:
        port.close()
