"""A tracker emulator: seeded, physically grounded balloon flights speaking the protocol.

>>> from firmware_protocol.emulator import SimulationConfig, simulate
>>> first_time, first_bytes = next(simulate(SimulationConfig(seed=7)))

A night of launches (:mod:`firmware_protocol.emulator.campaign`):

>>> night = CampaignConfig(balloons=4, window=3600.0, burst_altitude=3000.0)
>>> flights = fly_campaign(night)
>>> line = boundary_across(flights)
>>> packets = list(campaign_stream(night, flights))
"""

from __future__ import annotations

from firmware_protocol.emulator.boundary import Boundary, Crossing, boundary_across
from firmware_protocol.emulator.campaign import (
    CampaignConfig,
    LaunchSite,
    PlannedLaunch,
    campaign_stream,
    campaign_truth_json,
    fly_campaign,
    plan_campaign,
)
from firmware_protocol.emulator.config import DEFAULT_START, FORMATS, OutputFormat, SimulationConfig
from firmware_protocol.emulator.flight import (
    FlightEvents,
    FlightTruth,
    Phase,
    TruthPoint,
    fly,
    truth_to_json,
)
from firmware_protocol.emulator.sensors import Report
from firmware_protocol.emulator.stream import simulate, tracker_lines
from firmware_protocol.emulator.wind import WindProfile, WindSchedule

__all__ = [
    "DEFAULT_START",
    "Boundary",
    "CampaignConfig",
    "Crossing",
    "LaunchSite",
    "PlannedLaunch",
    "WindSchedule",
    "boundary_across",
    "campaign_stream",
    "campaign_truth_json",
    "fly_campaign",
    "plan_campaign",
    "FORMATS",
    "FlightEvents",
    "FlightTruth",
    "OutputFormat",
    "Phase",
    "Report",
    "SimulationConfig",
    "TruthPoint",
    "WindProfile",
    "fly",
    "simulate",
    "tracker_lines",
    "truth_to_json",
]
