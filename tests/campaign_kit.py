"""A night of launches for the campaign tests, made and imported by the real command line.

30 balloons from two sites over 8 hours (the emulator's ``simulate --campaign``), packets every
20 s, with the emulator's truth (``--truth``) and a boundary that some cross (``--boundary-out``),
imported into a real SQLite file. Also :func:`positions_near`, the search for positions in a
shared file.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from groundstation.flight import ground_distance_m

SITES = ((52.2, 0.1, 30.0), (51.9, -0.4, 60.0))
NUMBER = re.compile(r"-?\d+\.\d+")


@dataclass(frozen=True)
class Night:
    folder: Path
    db: Path
    log: Path
    truth: dict[str, Any]
    boundary: Path


def gs(db: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "groundstation", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def make_night(folder: Path, balloons: int = 30, seed: int = 7, interval: float = 20.0,
               start: str = "2024-06-01T18:00:00Z", db: Path | None = None) -> Night:  # fmt: skip
    """Simulate a campaign into ``folder`` and import it (into ``db`` if given)."""
    folder.mkdir(parents=True, exist_ok=True)
    log, truth, line = folder / "night.log", folder / "night.json", folder / "line.geojson"
    sites = ";".join(",".join(f"{v:g}" for v in site) for site in SITES)
    made = subprocess.run(
        [sys.executable, "-m", "groundstation", "simulate", "--campaign", str(balloons),
         "--sites", sites, "--window", "8h", "--seed", str(seed), "--interval", str(interval),
         "--start", start, "-o", str(log), "--truth", str(truth), "--boundary-out", str(line)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    database = db if db is not None else folder / "night.db"
    imported = gs(database, "import", str(log))
    assert imported.returncode == 0, imported.stderr
    return Night(folder, database, log, json.loads(truth.read_text()), line)


def positions_near(text: str, centre: tuple[float, float], radius_m: float) -> list[str]:
    """Neighbouring number pairs in ``text`` that, read as lat,lon or lon,lat, lie within
    ``radius_m`` of ``centre``: a position written in any of the ways our files write one."""
    numbers = [float(m) for m in NUMBER.findall(text)]
    found = []
    for a, b in zip(numbers, numbers[1:], strict=False):
        for lat, lon in ((a, b), (b, a)):
            plausible = abs(lat) <= 90 and abs(lon) <= 180 and abs(lat - centre[0]) < 1
            if plausible and ground_distance_m(lat, lon, *centre) <= radius_m:
                found.append(f"{lat},{lon}")
    return found
