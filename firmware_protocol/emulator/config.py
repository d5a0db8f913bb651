"""Settings of an emulated flight and its radio link."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

OutputFormat = Literal["habp", "nmea", "ukhas"]
FORMATS: tuple[OutputFormat, ...] = ("habp", "nmea", "ukhas")
DEFAULT_START = dt.datetime(2024, 6, 1, 9, 0, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class SimulationConfig:
    """Everything that shapes an emulated flight; the same config gives the same bytes.

    Link fault rates: ``loss`` is the chance a packet is not received at all;
    ``bit_errors`` the chance each transmitted bit is flipped; ``truncate`` the chance a
    packet has one line cut short; ``noise`` the chance of receiver garbage (random bytes,
    NULs included) before a packet.
    """

    trackers: int = 1
    seed: int = 1
    output_format: OutputFormat = "habp"
    ascent_rate: float = 5.0
    burst_altitude: float = 30_000.0
    descent_rate: float = 5.0  # sea-level speed under the parachute, m/s
    launch_lat: float = 52.2
    launch_lon: float = 0.1
    launch_alt: float = 30.0
    interval: float = 1.0
    loss: float = 0.0
    bit_errors: float = 0.0
    truncate: float = 0.0
    noise: float = 0.0
    start: dt.datetime = DEFAULT_START
    prelaunch: float = 30.0  # seconds the first tracker sends from the ground before launch
    launch_spacing: float = 90.0  # seconds between the launches of successive trackers
    landed_duration: float = 60.0  # seconds of packets after landing
    callsign_prefix: str = "EMU"

    def problems(self) -> list[str]:
        """Plain sentences describing each invalid setting (empty if all are valid)."""
        found: list[str] = []
        if not 1 <= self.trackers <= 26:
            found.append("trackers must be between 1 and 26")
        if self.output_format not in FORMATS:
            found.append(f"format must be one of {', '.join(FORMATS)}")
        if self.output_format == "nmea" and self.trackers > 1:
            found.append("the nmea format carries no callsign, so it allows only one tracker")
        if not 0.5 <= self.ascent_rate <= 20:
            found.append("ascent rate must be between 0.5 and 20 m/s")
        if not 1 <= self.descent_rate <= 30:
            found.append("descent rate must be between 1 and 30 m/s")
        if not -90 < self.launch_lat < 90 or not -180 <= self.launch_lon <= 180:
            found.append("launch latitude must be within -90..90 and longitude within -180..180")
        if not -400 <= self.launch_alt <= 6000:
            found.append("launch altitude must be between -400 and 6000 m")
        if not self.launch_alt + 500 <= self.burst_altitude <= 50_000:
            found.append("burst altitude must be at least 500 m above launch and at most 50000 m")
        if not 0.1 <= self.interval <= 600:
            found.append("interval must be between 0.1 and 600 seconds")
        for name in ("loss", "bit_errors", "truncate", "noise"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                found.append(f"{name.replace('_', ' ')} rate must be between 0 and 1")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,14}", self.callsign_prefix):
            found.append("callsign prefix must be 1 to 14 letters, digits, '_' or '-'")
        if self.start.tzinfo is None:
            found.append("start time must have a timezone (UTC)")
        return found

    def callsign(self, index: int) -> str:
        return f"{self.callsign_prefix}{index + 1}"
