"""A launch campaign: many balloons launched through a night from one or more sites.

Launches are spread evenly over a window with seeded jitter, from the sites in turn (or in a
seeded random order). Each balloon's burst altitude (within about +-8 %), ascent rate
(+-10 %) and parachute (+-5 %) differ a little from the configured values, so the fleet is not
identical. All balloons drift in one :class:`~firmware_protocol.emulator.wind.WindSchedule`,
whose winds change slowly through the night: balloons launched minutes apart follow similar
paths, balloons launched hours apart do not. One receiver, at the first site, hears them all:
the stream interleaves every balloon's packets in time order.

>>> from firmware_protocol.emulator.campaign import CampaignConfig, LaunchSite, fly_campaign
>>> config = CampaignConfig(balloons=3, sites=(LaunchSite(52.2, 0.1, 30.0),), window=3600.0)
>>> [flight.callsign for flight in fly_campaign(config)]
['EMU1', 'EMU2', 'EMU3']
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from firmware_protocol.emulator.boundary import Boundary
from firmware_protocol.emulator.config import DEFAULT_START, OutputFormat, SimulationConfig
from firmware_protocol.emulator.flight import BalloonFlight, FlightTruth, move, sample_flight
from firmware_protocol.emulator.sensors import reports
from firmware_protocol.emulator.stream import over_the_air
from firmware_protocol.emulator.wind import WindSchedule

SiteOrder = Literal["round-robin", "random"]
SITE_ORDERS: tuple[SiteOrder, ...] = ("round-robin", "random")
MAX_BALLOONS = 500
MAX_WINDOW_S = 48 * 3600.0
WIND_HORIZON_S = 8 * 3600.0
"""How long after the last launch the wind schedule keeps changing (longer than any flight)."""
CAMPAIGN_STEP_S = 5.0
"""Integration step of a campaign balloon: coarser than a single flight's, for speed (the
random processes are discretised exactly, so the step does not change their statistics)."""


@dataclass(frozen=True)
class LaunchSite:
    lat: float
    lon: float
    alt: float  # m above sea level


DURATION = re.compile(r"(?:(\d+(?:\.\d*)?)h)?(?:(\d+(?:\.\d*)?)m)?(?:(\d+(?:\.\d*)?)s)?")


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``8h``, ``90m``, ``1h30m`` or ``45s``."""
    match = DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise ValueError(f"{text!r} is not a duration such as 8h, 90m or 1h30m")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def parse_sites(text: str) -> tuple[LaunchSite, ...]:
    """Launch sites from ``LAT,LON,ALT;LAT,LON,ALT;...`` (degrees, metres)."""
    sites = []
    for part in text.split(";"):
        try:
            lat, lon, alt = (float(x) for x in part.split(","))
        except ValueError:
            raise ValueError(
                f"{part.strip()!r} is not LAT,LON,ALT in decimal degrees and metres; "
                "separate sites with ';', e.g. '52.2,0.1,30;51.9,-0.4,60'"
            ) from None
        sites.append(LaunchSite(lat, lon, alt))
    return tuple(sites)


@dataclass(frozen=True)
class CampaignConfig:
    """Everything that shapes an emulated campaign; the same config gives the same bytes.

    ``window`` is in seconds: the launches are spread over ``[0, window]`` after ``start``.
    ``ascent_rate``, ``burst_altitude`` and ``descent_rate`` are the fleet's nominal values;
    ``burst_spread``, ``ascent_spread`` and ``descent_spread`` the largest relative deviation
    of one balloon (uniformly drawn). Link faults are as in
    :class:`~firmware_protocol.emulator.config.SimulationConfig`.
    """

    balloons: int = 30
    sites: tuple[LaunchSite, ...] = (LaunchSite(52.2, 0.1, 30.0),)
    site_order: SiteOrder = "round-robin"
    window: float = 8 * 3600.0
    seed: int = 1
    output_format: OutputFormat = "habp"
    ascent_rate: float = 5.0
    burst_altitude: float = 30_000.0
    descent_rate: float = 5.0
    burst_spread: float = 0.08
    ascent_spread: float = 0.10
    descent_spread: float = 0.05
    interval: float = 5.0
    loss: float = 0.0
    bit_errors: float = 0.0
    truncate: float = 0.0
    noise: float = 0.0
    start: dt.datetime = DEFAULT_START
    prelaunch: float = 60.0  # seconds a tracker sends from the ground before its launch
    landed_duration: float = 60.0
    callsign_prefix: str = "EMU"

    def problems(self) -> list[str]:
        """Plain sentences describing each invalid setting (empty if all are valid)."""
        found: list[str] = []
        if not 1 <= self.balloons <= MAX_BALLOONS:
            found.append(f"campaign must have between 1 and {MAX_BALLOONS} balloons")
        if not self.sites:
            found.append("a campaign needs at least one launch site")
        if self.site_order not in SITE_ORDERS:
            found.append(f"site order must be one of {', '.join(SITE_ORDERS)}")
        if not 0 <= self.window <= MAX_WINDOW_S:
            found.append("launch window must be between 0 and 48 hours")
        if self.output_format == "nmea":
            found.append("the nmea format carries no callsign, so it cannot carry a campaign")
        digits = len(str(self.balloons))
        if re.fullmatch(r"[A-Za-z0-9_-]{1,14}", self.callsign_prefix) and (
            len(self.callsign_prefix) + digits > 16
        ):
            found.append(f"callsign prefix must be at most {16 - digits} characters here")
        for name in ("burst_spread", "ascent_spread", "descent_spread"):
            if not 0.0 <= getattr(self, name) <= 0.5:
                found.append(f"{name.replace('_', ' ')} must be between 0 and 0.5")
        if not 0 <= self.prelaunch <= 3600 or not 0 <= self.landed_duration <= 3600:
            found.append("prelaunch and landed durations must be between 0 and 3600 seconds")
        for site in self.sites or (LaunchSite(0.0, 0.0, 0.0),):
            found += self._nominal(site).problems()
        # the same sentence about the same setting is said once
        return [p for i, p in enumerate(found) if p not in found[:i]]

    def _nominal(self, site: LaunchSite) -> SimulationConfig:
        return SimulationConfig(
            trackers=1,
            seed=self.seed,
            output_format=self.output_format,
            ascent_rate=self.ascent_rate,
            burst_altitude=self.burst_altitude,
            descent_rate=self.descent_rate,
            launch_lat=site.lat,
            launch_lon=site.lon,
            launch_alt=site.alt,
            interval=self.interval,
            loss=self.loss,
            bit_errors=self.bit_errors,
            truncate=self.truncate,
            noise=self.noise,
            start=self.start,
            prelaunch=self.prelaunch,
            landed_duration=self.landed_duration,
            callsign_prefix=self.callsign_prefix,
        )

    @property
    def receiver(self) -> LaunchSite:
        """Where the one receiver listens: the first launch site."""
        return self.sites[0]

    def wind(self) -> WindSchedule:
        """The night's winds (a new object each call: it caches profiles as balloons fly)."""
        rng = random.Random(f"{self.seed}:campaign-wind")
        return WindSchedule.from_seed(rng, self.window + WIND_HORIZON_S)


@dataclass(frozen=True)
class PlannedLaunch:
    """One balloon of a campaign before it flies: where, when and how it is launched."""

    index: int  # 0-based, in launch order
    callsign: str
    site_index: int
    site: LaunchSite
    lat: float  # the exact launch spot, a few tens of metres from the site
    lon: float
    power_on: float  # seconds after the start
    launch_time: float
    first_packet: float
    ascent_rate: float
    burst_altitude: float
    descent_rate: float

    def config(self, campaign: CampaignConfig) -> SimulationConfig:
        """The single-flight settings this balloon flies with."""
        return replace(
            campaign._nominal(self.site),
            ascent_rate=self.ascent_rate,
            burst_altitude=self.burst_altitude,
            descent_rate=self.descent_rate,
        )


def _check(config: CampaignConfig) -> None:
    problems = config.problems()
    if problems:
        raise ValueError(problems[0])


def plan_campaign(config: CampaignConfig) -> list[PlannedLaunch]:
    """Who launches when and where, in launch order (callsigns PREFIX1.. in that order)."""
    _check(config)
    rng = random.Random(f"{config.seed}:campaign-launches")
    n = config.balloons
    slot = config.window / n
    times = sorted(
        min(config.window, max(0.0, (i + 0.5 + rng.uniform(-0.4, 0.4)) * slot)) for i in range(n)
    )
    plan: list[PlannedLaunch] = []
    for index, launch_time in enumerate(times):
        if config.site_order == "round-robin":
            site_index = index % len(config.sites)
        else:
            site_index = rng.randrange(len(config.sites))
        site = config.sites[site_index]
        own = random.Random(f"{config.seed}:campaign-balloon:{index}")
        lat, lon = move(site.lat, site.lon, own.uniform(-50, 50), own.uniform(-50, 50))
        burst = config.burst_altitude * (1 + own.uniform(-1, 1) * config.burst_spread)
        burst = min(50_000.0, max(site.alt + 500.0, burst))
        ascent = config.ascent_rate * (1 + own.uniform(-1, 1) * config.ascent_spread)
        descent = config.descent_rate * (1 + own.uniform(-1, 1) * config.descent_spread)
        # the tracker is switched on a little before launch, never before the start
        power_on = max(0.0, launch_time - config.prelaunch * own.uniform(0.8, 1.2))
        first = round(power_on + own.uniform(0, min(config.interval, 1.0)), 2)
        plan.append(
            PlannedLaunch(
                index=index,
                callsign=f"{config.callsign_prefix}{index + 1}",
                site_index=site_index,
                site=site,
                lat=lat,
                lon=lon,
                power_on=power_on,
                launch_time=launch_time,
                first_packet=first,
                ascent_rate=min(20.0, max(0.5, ascent)),
                burst_altitude=burst,
                descent_rate=min(30.0, max(1.0, descent)),
            )
        )
    return plan


def fly_campaign(
    config: CampaignConfig, plan: list[PlannedLaunch] | None = None
) -> list[FlightTruth]:
    """The true flights of every balloon of a campaign, in launch order."""
    if plan is None:
        plan = plan_campaign(config)
    wind = config.wind()
    flights: list[FlightTruth] = []
    for launch in plan:
        single = launch.config(config)
        rng = random.Random(f"{config.seed}:campaign-flight:{launch.index}")
        site = (launch.lat, launch.lon, launch.site.alt)
        flight = BalloonFlight.on_ground(
            single, wind, rng, site, launch.power_on, launch.launch_time, CAMPAIGN_STEP_S
        )
        flights.append(sample_flight(single, flight, launch.callsign, launch.first_packet))
    return flights


def campaign_stream(
    config: CampaignConfig, flights: list[FlightTruth] | None = None
) -> Iterator[tuple[float, bytes]]:
    """Yield (emulated seconds since start, bytes received) for every packet of every
    balloon, in time order, as one receiver at the first site hears them.

    Pass the flights from :func:`fly_campaign` to reuse them.
    """
    _check(config)
    if flights is None:
        flights = fly_campaign(config)
    listener = config._nominal(config.receiver)  # signal strengths are measured from here
    streams = [reports(listener, index, flight) for index, flight in enumerate(flights)]
    merged = heapq.merge(*streams, key=lambda r: (r.time, r.tracker))
    return over_the_air(listener, merged, random.Random(f"{config.seed}:campaign-link"))


def _utc(config: CampaignConfig, seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return (config.start + dt.timedelta(seconds=seconds)).isoformat()


def _site_json(site: LaunchSite) -> dict[str, float]:
    return {"lat": site.lat, "lon": site.lon, "alt": site.alt}


def campaign_truth_json(
    config: CampaignConfig,
    flights: list[FlightTruth],
    boundary: Boundary | None = None,
    points: bool = True,
) -> dict[str, Any]:
    """The true campaign as JSON-ready data: for each balloon its site, launch, burst and
    landing (times in seconds since the start and as UTC), its planned burst altitude and
    rates, and (with ``points``) its true track at every packet time.

    With a ``boundary``, each balloon also says on which side it landed (``landed_beyond``),
    how far from the line (``landing_distance_m``, positive beyond) and when and where its
    true track crossed the line (interpolated between packet times).
    """
    plan = plan_campaign(config)
    trackers = []
    for launch, flight in zip(plan, flights, strict=True):
        e = flight.events
        entry: dict[str, Any] = {
            "callsign": flight.callsign,
            "site": launch.site_index,
            "launch": {
                "lat": flight.launch_lat,
                "lon": flight.launch_lon,
                "alt": flight.ground_alt,
            },
            "planned": {
                "ascent_rate": launch.ascent_rate,
                "burst_altitude": launch.burst_altitude,
                "descent_rate": launch.descent_rate,
            },
            "events": {
                **asdict(e),
                "launch_utc": _utc(config, e.launch_time),
                "burst_utc": _utc(config, e.burst_time),
                "landing_utc": _utc(config, e.landing_time),
            },
        }
        if boundary is not None and e.landing_lat is not None and e.landing_lon is not None:
            distance = boundary.signed_distance_m(e.landing_lat, e.landing_lon)
            entry["boundary"] = {
                "landed_beyond": distance > 0,
                "landing_distance_m": round(distance, 1),
                "crossings": [
                    {**asdict(c), "utc": _utc(config, c.time)}
                    for c in boundary.crossings(flight.points)
                ],
            }
        if points:
            entry["points"] = [
                {
                    "time": round(p.time, 3),
                    "lat": round(p.lat, 7),
                    "lon": round(p.lon, 7),
                    "alt": round(p.alt, 2),
                    "phase": p.phase,
                }
                for p in flight.points
            ]
        trackers.append(entry)
    return {
        "start": config.start.isoformat(),
        "seed": config.seed,
        "campaign": {
            "balloons": config.balloons,
            "window_s": config.window,
            "sites": [_site_json(site) for site in config.sites],
            "receiver": _site_json(config.receiver),
        },
        "boundary": None if boundary is None else boundary.to_geojson(),
        "trackers": trackers,
    }
