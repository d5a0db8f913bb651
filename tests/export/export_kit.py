"""Helpers for the export tests: emulated flights in memory, and a real headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from firmware_protocol.emulator import SimulationConfig, fly
from firmware_protocol.emulator.sensors import reports
from groundstation.models import Fix, Telemetry

TRACK_CLASS = "gs-track"


def emulated(
    config: SimulationConfig, names: list[str] | None = None, telemetry: bool = True
) -> tuple[list[Fix], list[Telemetry]]:
    """The fixes and telemetry the emulator's trackers would send (GPS noise included),
    renamed to ``names`` if given."""
    fixes: list[Fix] = []
    rows: list[Telemetry] = []
    for index, truth in enumerate(fly(config)):
        for r in reports(config, index, truth):
            name = names[index] if names is not None else r.callsign
            fixes.append(
                Fix(name, r.fix_time, r.lat, r.lon, r.alt_m, r.speed_mps, r.course_deg,
                    r.sats, r.hdop, 1, "GGA")
            )  # fmt: skip
            if not telemetry:
                continue
            rows.append(
                Telemetry(name, r.fix_time, r.seq, r.battery_v, r.temp_int_c, r.temp_ext_c,
                          r.pressure_hpa, {"uptime": str(r.uptime_s)})
            )  # fmt: skip
    return fixes, rows


def slow_config(count: int, seed: int = 3) -> SimulationConfig:
    """An emulated flight long enough to give about ``count`` reports at >= 0.1 s intervals."""
    slow = SimulationConfig(seed=seed, ascent_rate=3.5, interval=10.0)
    truth = fly(slow)[0]
    span_s = truth.points[-1].time - truth.points[0].time
    return replace(slow, interval=max(0.1, round(span_s / count, 3)))


_POLYLINE_RE = re.compile(r"L\.polyline\(\s*(\[\[.*?\]\])\s*,\s*(\{[^{}]*\})", re.S)


def drawn_tracks(page: str) -> list[list[tuple[float, float]]]:
    """The track lines a page draws: ``[(lat, lon), ...]`` per ``L.polyline`` of the track."""
    lines = []
    for points, options in _POLYLINE_RE.findall(page):
        if json.loads(options).get("className") == TRACK_CLASS:
            lines.append([(lat, lon) for lat, lon in json.loads(points)])
    return lines


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    return found


def chromium(page: Path, *, screenshot: Path | None = None, budget_ms: int = 4000) -> str:
    """Open ``page`` in headless Chromium with every network request failing; return the DOM
    after ``budget_ms`` of virtual time (and save a screenshot if asked)."""
    with tempfile.TemporaryDirectory(prefix="gs-chromium-") as profile:
        args = [
            chromium_path(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            # no network at all: an unreachable proxy and no name resolution
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--window-size=1200,900",
            f"--virtual-time-budget={budget_ms}",
        ]
        args += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
        done = subprocess.run(
            [*args, page.resolve().as_uri()], capture_output=True, text=True, timeout=90
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


MARK = "document.body.setAttribute('data-pwned','1')"
# Strings a hostile transmitter could send as a callsign or telemetry text.
HOSTILE = (
    f'<img src=x onerror="{MARK}">',
    f"</script><script>{MARK}</script>",
    f'"\'><svg onload="{MARK}">',
    f"${{{MARK}}}`);{MARK};(`\u2028<!--",
)
