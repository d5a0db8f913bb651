"""Reports for the flight commands about boundaries and planned launches (JSON and text).

:mod:`groundstation.cli_flights` holds the commands; this module turns
:mod:`groundstation.flight.boundary` crossings and :mod:`groundstation.flight.planned`
predictions into the dictionaries printed by ``--json`` and the lines printed otherwise. Names
from boundary files are shown through :func:`~groundstation.printable.printable`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import click

from groundstation.config import Config
from groundstation.flight.boundary import (
    Boundary,
    BoundaryError,
    Crossing,
    crossings,
    distance_m,
    load_boundary_files,
    side_of,
)
from groundstation.flight.flights import TrackPoint
from groundstation.flight.geo import ground_distance_m
from groundstation.flight.planned import PlannedFlight, PlannedPrediction
from groundstation.printable import printable as _safe
from groundstation.store.database import iso
from groundstation.store.flights import StoredFlight


def boundary_option(command: Any) -> Any:
    return click.option(
        "--boundary",
        "boundary_paths",
        multiple=True,
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="GeoJSON lines or areas to report crossings of (repeatable)"
        " [default: the config file's [boundary] files].",
    )(command)


def load_for_command(paths: Iterable[str], config: Config) -> list[Boundary]:
    """The boundaries given on the command line, else those of the configuration file."""
    chosen: list[str | Path] = list(paths) or list(config.boundary_paths)
    try:
        return load_boundary_files(chosen)
    except BoundaryError as exc:
        raise click.ClickException(str(exc)) from None


def _dist(metres: float | None) -> str:
    if metres is None:
        return "-"
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def _alt(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:,.0f} m"


def crossing_json(c: Crossing) -> dict[str, Any]:
    return {
        "time": iso(c.time),
        "lat": c.lat,
        "lon": c.lon,
        "alt_m": c.alt_m,
        "from_side": c.from_side,
        "to_side": c.to_side,
        "direction": c.direction,
    }


def crossing_text(c: Crossing) -> str:
    return f"{iso(c.time)} at {c.lat:.5f}, {c.lon:.5f}, {_alt(c.alt_m)}, {c.direction}"


# -- flights ----------------------------------------------------------------------------------


def flight_boundaries(f: StoredFlight, boundaries: Sequence[Boundary]) -> list[dict[str, Any]]:
    """Per boundary: the flight's crossings, and the side of and distance to its landing (or,
    not landed, its last fix)."""
    fixes = f.analysis.fixes if f.analysis is not None else ()
    track = [
        TrackPoint(x.time, x.lat, x.lon, math.nan if x.alt_m is None else x.alt_m) for x in fixes
    ]
    out = []
    for b in boundaries:
        last = f.last
        landing = f.landing
        out.append(
            {
                "name": b.name,
                "kind": b.kind,
                "crossings": [crossing_json(c) for c in crossings(b, track)],
                "launch_side": None if f.launch is None else side_of(b, f.launch.lat, f.launch.lon),
                "landing_side": None if landing is None else side_of(b, landing.lat, landing.lon),
                "landing_distance_m": None
                if landing is None
                else distance_m(b, landing.lat, landing.lon),
                "last_side": side_of(b, last.lat, last.lon),
                "last_distance_m": distance_m(b, last.lat, last.lon),
            }
        )
    return out


def flight_boundary_lines(report: list[dict[str, Any]], indent: str) -> list[str]:
    lines = []
    for b in report:
        count = len(b["crossings"])
        crossed = "not crossed" if not count else f"crossed {count}x"
        if b["landing_side"] is not None:
            end = f"landed {b['landing_side']}, {_dist(b['landing_distance_m'])} from it"
        else:
            end = f"last fix {b['last_side']}, {_dist(b['last_distance_m'])} from it"
        lines.append(f"{indent}{_safe(b['name'])}: {crossed}, {end}")
        for c in b["crossings"]:
            lines.append(
                f"{indent}  {c['time']} at {c['lat']:.5f}, {c['lon']:.5f},"
                f" {_alt(c['alt_m'])}, {c['direction']}"
            )
    return lines


# -- planned launches --------------------------------------------------------------------------


def _point(p: TrackPoint | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"time": iso(p.time), "lat": p.lat, "lon": p.lon, "alt_m": p.alt_m}


def _member(f: PlannedFlight) -> dict[str, Any]:
    return {
        "ascent_rate_mps": f.ascent_mps,
        "burst_altitude_m": f.burst_alt_m,
        "sea_level_descent_mps": f.sea_level_descent_mps,
        "landing": _point(f.landing),
    }


def planned_report(result: PlannedPrediction, winds: dict[str, Any]) -> dict[str, Any]:
    """The ``predict --launch ... --json`` report."""
    launch = result.launch
    nominal = result.nominal
    members = result.ensemble
    return {
        "launch": {
            "time": iso(launch.time),
            "lat": launch.lat,
            "lon": launch.lon,
            "alt_m": launch.alt_m,
        },
        "winds": winds | {"top_m": result.winds_top_m},
        "ascent_rate_mps": launch.ascent_mps,
        "burst_altitude_m": launch.burst_alt_m,
        "sea_level_descent_mps": launch.sea_level_descent_mps,
        "landing": _point(nominal.landing),
        "burst": _point(nominal.burst),
        "flight_time_s": (nominal.landing.time - launch.time).total_seconds(),
        "launch_to_landing_m": ground_distance_m(
            launch.lat, launch.lon, nominal.landing.lat, nominal.landing.lon
        ),
        "path": [_point(p) for p in nominal.path],
        "ensemble": {
            "spread": result.spread,
            "members": len(members),
            "spread_max_m": result.spread_max_m,
            "spread_rms_m": result.spread_rms_m,
            "earliest_landing": iso(result.earliest_landing),
            "latest_landing": iso(result.latest_landing),
            "flights": [_member(m) for m in members],
        },
        "boundaries": [
            {
                "name": o.boundary.name,
                "kind": o.boundary.kind,
                "launch_side": o.launch_side,
                "crosses": bool(o.crossings),
                "crossings": [crossing_json(c) for c in o.crossings],
                "landing_side": o.landing_side,
                "lands_beyond": o.lands_beyond,
                "landing_distance_m": o.landing_distance_m,
                "ensemble_crossing_fraction": o.crossing_fraction,
                "ensemble_beyond_fraction": o.beyond_fraction,
            }
            for o in result.outlooks
        ],
    }


def planned_lines(report: dict[str, Any]) -> list[str]:
    """The text of ``predict --launch ...``."""
    launch = report["launch"]
    landing = report["landing"]
    ensemble = report["ensemble"]
    winds = report["winds"]
    top = "" if winds["top_m"] is None else f", measured up to {_alt(winds['top_m'])}"
    lines = [
        f"Planned launch {launch['time']} at {launch['lat']:.5f}, {launch['lon']:.5f},"
        f" {_alt(launch['alt_m'])}",
        f"  winds      {_safe(winds['description'])}{top}",
        f"  assumed    ascent {report['ascent_rate_mps']:.1f} m/s, burst at"
        f" {_alt(report['burst_altitude_m'])}, sea-level descent"
        f" {report['sea_level_descent_mps']:.1f} m/s",
        f"  landing    {landing['time']} at {landing['lat']:.5f}, {landing['lon']:.5f}"
        f" ({_dist(report['launch_to_landing_m'])} from the launch site)",
        f"  spread     {ensemble['members']} flights (burst, ascent and descent"
        f" +-{ensemble['spread'] * 100:.0f} %) land within {_dist(ensemble['spread_max_m'])} of it"
        f" (rms {_dist(ensemble['spread_rms_m'])}), from {ensemble['earliest_landing']} to"
        f" {ensemble['latest_landing']}",
    ]
    if winds["top_m"] is not None and winds["top_m"] < report["burst_altitude_m"]:
        lines.append(
            f"  note       above {_alt(winds['top_m'])} the highest measured wind is assumed"
        )
    for b in report["boundaries"]:
        crossing = "crosses" if b["crosses"] else "does not cross"
        beyond = "lands beyond it" if b["lands_beyond"] else "lands on the launch side"
        lines.append(
            f"  {_safe(b['name'])}: {crossing} and {beyond} ({b['landing_side']},"
            f" {_dist(b['landing_distance_m'])} from it); of the ensemble"
            f" {b['ensemble_crossing_fraction'] * 100:.0f} % cross,"
            f" {b['ensemble_beyond_fraction'] * 100:.0f} % land beyond"
        )
        for c in b["crossings"]:
            lines.append(
                f"    crossing {c['time']} at {c['lat']:.5f}, {c['lon']:.5f},"
                f" {_alt(c['alt_m'])}, {c['direction']}"
            )
    return lines
