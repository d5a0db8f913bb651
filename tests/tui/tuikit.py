"""Shared pieces of the live-view tests: the test flight, its decoding, and a hand-moved clock.

(A module of its own: with several conftest.py files in the tree, "from conftest import" is
ambiguous.)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.app import App

from firmware_protocol.emulator import DEFAULT_START, SimulationConfig
from groundstation.models import Decoded
from groundstation.pipeline import LineIngest
from groundstation.tui.settings import Station

STATION = Station(52.17, 0.16, 20.0)
FLIGHT = SimulationConfig(trackers=2, seed=5, burst_altitude=3000.0, interval=2.0,
                          start=DEFAULT_START)  # fmt: skip


T0 = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)


def decode_log(path: Path) -> list[Decoded]:
    """The log decoded, each line received at the time of the latest fix before it."""
    data = path.read_bytes()
    ingest = LineIngest("file:test", path.name, live_clock=False)
    ingest.decoder.learn_dates(data[: 256 * 1024])
    decoded = ingest.feed(data, DEFAULT_START) + ingest.finish(DEFAULT_START)
    out = []
    received = DEFAULT_START
    for d in decoded:
        if d.fixes:
            received = max(received, d.fixes[0].time)
        out.append(replace(d, raw=replace(d.raw, received_at=received)))
    return out


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def screen_lines(app: App[None]) -> list[str]:
    """The whole screen as the terminal would show it, one string per line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
