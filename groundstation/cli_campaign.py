"""``groundstation campaign``: a night's launches as one fleet.

Thin command over :mod:`groundstation.flight.campaign` (grouping and summary) and
:mod:`groundstation.flight.boundary` (crossings). The README documents the JSON keys.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click

from groundstation.cli_boundaries import boundary_option, crossing_json, load_for_command
from groundstation.cli_flights import open_session
from groundstation.config import Config
from groundstation.flight import FlightSettings, TrackPoint
from groundstation.flight.boundary import Boundary
from groundstation.flight.campaign import (
    Campaign,
    CampaignFlight,
    CampaignSettings,
    analyse_campaign,
    group_campaigns,
)
from groundstation.printable import printable as _safe
from groundstation.store.database import Store, iso
from groundstation.store.flights import refresh_flights


def campaign_settings(
    config: Config, window_h: float | None, radius_km: float | None
) -> CampaignSettings:
    base = CampaignSettings()
    return CampaignSettings(
        window_h=window_h or config.campaign_window_h or base.window_h,
        radius_km=radius_km or config.campaign_radius_km or base.radius_km,
    )


def load_campaigns(
    store: Store, config: Config, settings: CampaignSettings, boundaries: Sequence[Boundary]
) -> list[Campaign]:
    """Every campaign in the database, oldest first, with its flights recomputed."""
    flight_settings = (
        FlightSettings() if config.stale_after_s is None
        else FlightSettings(lost_after_s=config.stale_after_s)
    )  # fmt: skip
    stored = refresh_flights(store, now=datetime.now(UTC), settings=flight_settings)
    pairs = [(f.id, f.analysis) for f in stored if f.analysis is not None]
    return [analyse_campaign(group, boundaries) for group in group_campaigns(pairs, settings)]


def select_campaign(campaigns: Sequence[Campaign], ident: str | None) -> Campaign:
    """The campaign with that id (its first flight's id), or the latest one for ``None``."""
    if not campaigns:
        raise click.ClickException("there are no flights in the database yet, so no campaign")
    if ident is None or ident == "latest":
        return campaigns[-1]
    try:
        wanted = int(ident)
    except ValueError:
        wanted = None
    for campaign in campaigns:
        if campaign.id == wanted:
            return campaign
    known = ", ".join(str(c.id) for c in campaigns[-10:])
    raise click.BadParameter(
        f"no campaign '{_safe(ident)}': give a campaign id ({known}) or 'latest'",
        param_hint="ID",
    )


# -- output ------------------------------------------------------------------------------------


def _km(metres: float | None) -> str:
    return "-" if metres is None else f"{metres / 1000:,.1f} km"


def _where(p: TrackPoint) -> str:
    return f"{p.lat:.5f}, {p.lon:.5f}"


def _hm(t: datetime) -> str:
    return f"{t:%H:%M}Z"


def _num(value: float | None) -> float | None:
    return None if value is None or value != value else value


def _point(p: TrackPoint | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"time": iso(p.time), "lat": p.lat, "lon": p.lon, "alt_m": _num(p.alt_m)}


def _counts(c: Campaign) -> dict[str, int]:
    return {
        "launched": len(c.flights),
        "burst": c.count("burst"),
        "floated": c.count("floated"),
        "landed": c.count("landed"),
        "lost": c.count("lost"),
        "in_flight": c.in_flight,
        "crossed": c.count("crossed"),
        "landed_beyond": c.count("landed_beyond"),
    }


def _flight_json(f: CampaignFlight) -> dict[str, Any]:
    return {
        "id": f.id,
        "tracker": f.tracker,
        "site": f.site,
        "launch": _point(f.start),
        "burst": _point(f.flight.burst),
        "max_alt_m": _num(f.flight.max_alt_m),
        "status": f.flight.status,
        "end_reason": f.flight.end_reason,
        "end": _point(f.end),
        "boundaries": [
            {
                "name": b.boundary,
                "crossings": [crossing_json(x) for x in b.crossings],
                "launch_side": b.start_side,
                "landing_side": b.end_side if f.landed else None,
                "landing_distance_m": b.end_distance_m if f.landed else None,
                "last_side": b.end_side,
                "last_distance_m": b.end_distance_m,
                "landed_beyond": f.landed and b.ended_beyond,
            }
            for b in f.boundaries
        ],
    }


def campaign_json(c: Campaign, settings: CampaignSettings) -> dict[str, Any]:
    s = c.scatter
    return {
        "id": c.id,
        "window_h": settings.window_h,
        "radius_km": settings.radius_km,
        "first_launch": iso(c.first_launch),
        "last_launch": iso(c.last_launch),
        "sites": [
            {"site": site.number, "lat": site.lat, "lon": site.lon, "launches": site.launches}
            for site in c.sites
        ],
        "counts": _counts(c),
        "boundaries": [
            {
                "name": t.boundary,
                "crossed": t.crossed,
                "landed_beyond": t.landed_beyond,
                "farthest_beyond_m": t.farthest_beyond_m,
                "farthest_beyond_tracker": t.farthest_beyond_tracker,
            }
            for t in c.boundaries
        ],
        "landing_scatter": None
        if s is None
        else {
            "landings": s.count,
            "centre": {"lat": s.centre_lat, "lon": s.centre_lon},
            "spread_m": s.spread_m,
            "farthest": {
                "id": s.farthest_id,
                "tracker": s.farthest_tracker,
                "distance_m": s.farthest_m,
            },
        },
        "flights": [_flight_json(f) for f in c.flights],
    }


def _boundary_cell(f: CampaignFlight) -> str:
    cells = []
    for b in f.boundaries:
        crossed = len(b.crossings)
        times = f" {crossed}x" if crossed else ""
        if b.ended_beyond:
            cells.append(f"beyond{times}, {_km(b.end_distance_m)}")
        else:
            cells.append(f"short{times}, {_km(b.end_distance_m)}")
    return "; ".join(cells)


def _end_cell(f: CampaignFlight) -> str:
    if f.landed:
        return f"landed {_hm(f.end.time)}"
    if f.flight.status == "in flight":
        return f"flying {_hm(f.end.time)}"
    return f"lost {_hm(f.end.time)}"


WIDTH = 100
"""The text summary's lines fit this many columns (the table's, with one boundary)."""


def _wrapped(text: str) -> list[str]:
    """A line of the summary's prose, wrapped to :data:`WIDTH` (a long boundary name, many
    other campaigns), its continuations indented."""
    return textwrap.wrap(
        text, WIDTH, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
    ) or [text]


def campaign_text(c: Campaign, others: Sequence[Campaign]) -> list[str]:
    counts = _counts(c)
    lines = _wrapped(
        f"Campaign {c.id}: {len(c.flights)} balloon{'s' if len(c.flights) != 1 else ''}"
        f" launched {c.first_launch:%Y-%m-%d %H:%M}Z to {c.last_launch:%Y-%m-%d %H:%M}Z"
        f" from {len(c.sites)} site{'s' if len(c.sites) != 1 else ''}"
    )
    lines += [
        f"  site {s.number}: {s.lat:.5f}, {s.lon:.5f} ({s.launches} launched)" for s in c.sites
    ]
    lines += _wrapped(
        f"Launched {counts['launched']} · burst {counts['burst']} · floated {counts['floated']}"
        f" · landed {counts['landed']} · lost {counts['lost']} · in flight {counts['in_flight']}"
    )
    for t in c.boundaries:
        far = (
            f" · farthest beyond: {_safe(t.farthest_beyond_tracker)}, {_km(t.farthest_beyond_m)}"
            if t.farthest_beyond_tracker is not None
            else ""
        )
        lines += _wrapped(
            f"{_safe(t.boundary)}: crossed {t.crossed} · landed beyond {t.landed_beyond}{far}"
        )
    s = c.scatter
    if s is None:
        lines.append("Landings: none yet")
    else:
        lines += _wrapped(
            f"Landings: {s.count}, centre {s.centre_lat:.5f}, {s.centre_lon:.5f}"
            f" · spread {_km(s.spread_m)} (RMS)"
        )
        lines += _wrapped(
            f"  farthest from the centre: {_safe(s.farthest_tracker)}, {_km(s.farthest_m)}"
        )
    header = f"{'flight':>6} {'tracker':<12} {'site':>4} {'launch':>6} {'max alt':>9} "
    header += f"{'end':<13} {'where':<19} "
    names = "; ".join(_safe(t.boundary) for t in c.boundaries)
    if len(header) + len(names) > WIDTH:  # (the names in full are on their lines above)
        names = "boundary" if len(c.boundaries) == 1 else "boundaries, in the order above"
    lines += ["", (header + names).rstrip()]
    for f in c.flights:
        row = (
            f"{f.id:>6} {_safe(f.tracker)[:12]:<12} {f.site:>4} {_hm(f.start.time):>6} "
            f"{f.flight.max_alt_m:>7,.0f} m {_end_cell(f):<13} {_where(f.end):<19} "
            f"{_boundary_cell(f)}"
        )
        lines.append(row.rstrip())
    rest = [o for o in others if o.id != c.id]
    if rest:
        listed = ", ".join(
            f"{o.id} ({len(o.flights)} on {o.first_launch:%Y-%m-%d})" for o in rest[-5:]
        )
        lines += ["", *_wrapped(f"Other campaigns: {listed}")]
    return lines


@click.command("campaign")
@click.argument("ident", metavar="[ID]", required=False)
@boundary_option
@click.option(
    "--window",
    "window_h",
    type=click.FloatRange(min=0.1, max=240),
    help="Hours after a campaign's first launch that later ones still join it (default 12).",
)
@click.option(
    "--radius",
    "radius_km",
    type=click.FloatRange(min=0.1, max=2000),
    help="How near (km) one of its sites a launch must be to join a campaign (default 50).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    help="TOML configuration file (default: env GROUNDSTATION_CONFIG, else ./groundstation.toml).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_obj
def campaign(
    obj: dict[str, Any],
    ident: str | None,
    boundary_paths: tuple[str, ...],
    window_h: float | None,
    radius_km: float | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """Summarise a launch campaign: the balloons launched from nearby sites in one window.

    ID is a campaign's id (the id of its first flight) or 'latest' (the default). Shows how
    many launched, burst, floated, crossed each boundary, landed beyond it or were lost, where
    the landings scatter, and one line per balloon.

    Example: groundstation campaign --boundary border.geojson
    """
    with open_session(obj, config_path) as (store, config):
        boundaries = load_for_command(boundary_paths, config)
        settings = campaign_settings(config, window_h, radius_km)
        campaigns = load_campaigns(store, config, settings, boundaries)
    chosen = select_campaign(campaigns, ident)
    if as_json:
        click.echo(json.dumps(campaign_json(chosen, settings), indent=2))
    else:
        click.echo("\n".join(campaign_text(chosen, campaigns)))
