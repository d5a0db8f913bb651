"""How long a 100,000-fix flight takes to export as an HTML map, and how big the page is.

Run: ``python benchmarks/map_export.py [--fixes N] [--seed N]``

The flight comes from the tracker emulator (GPS noise included) at a short report interval.
Every figure is also given as a ratio against baselines measured in the same process on the
same points, so the numbers compare across machines:

- ``json``: a plain ``json.dumps`` of the fixes as ``[lat, lon, alt, time]`` lists;
- ``unsimplified``: the same offline map with every fix drawn (tolerance 0).

The budget (issue 6): under 2 s and under 1 MB for the export of an analysed flight, with the
drawn line within 10 m of every fix. Splitting the fixes into flights (``split_flights``, the
flight analysis shared by every command) is timed on its own line.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from firmware_protocol.emulator import SimulationConfig, fly  # noqa: E402
from firmware_protocol.emulator.sensors import reports  # noqa: E402
from groundstation.export import FlightExport, build_map, predictions_during  # noqa: E402
from groundstation.export.colors import AltitudeScale  # noqa: E402
from groundstation.export.map_html import simplified_runs  # noqa: E402
from groundstation.flight import split_flights  # noqa: E402
from groundstation.models import Fix  # noqa: E402

T = TypeVar("T")
TIME_BUDGET_S = 2.0
SIZE_BUDGET = 1_000_000


def emulated_fixes(count: int, seed: int) -> list[Fix]:
    """About ``count`` fixes of one emulated flight (the report interval is chosen for it)."""
    # A slow climb makes a long flight: at the emulator's shortest interval (0.1 s) it still
    # sends over 100,000 reports.
    slow = SimulationConfig(seed=seed, ascent_rate=3.5, interval=10.0)
    probe = fly(slow)[0]
    span_s = probe.points[-1].time - probe.points[0].time
    config = replace(slow, interval=max(0.1, round(span_s / count, 3)))
    truth = fly(config)[0]
    return [
        Fix(r.callsign, r.fix_time, r.lat, r.lon, r.alt_m, r.speed_mps, r.course_deg, r.sats,
            r.hdop, 1, "GGA")
        for r in reports(config, 0, truth)
    ]  # fmt: skip


def timed(func: Callable[[], T]) -> tuple[T, float]:
    """``func()`` and the seconds it took."""
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def max_deviation_m(fixes: list[Fix], runs: list[tuple[str, list[list[float]]]]) -> float:
    """Each fix's distance to the drawn run it belongs to, worst case, in Mercator metres
    scaled by cos(latitude) (a straight Leaflet segment is straight in Web Mercator)."""
    r = 6_378_137.0

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return r * math.radians(lon), r * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    worst = 0.0
    drawn = [xy(lat, lon) for _, points in runs for lat, lon in points]
    segments = list(zip(drawn, drawn[1:], strict=False))
    j = 0
    for fix in fixes:
        px, py = xy(fix.lat, fix.lon)
        best = math.inf
        for k in range(max(0, j - 2), min(len(segments), j + 40)):
            (ax, ay), (bx, by) = segments[k]
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            along = ((px - ax) * dx + (py - ay) * dy) / length2 if length2 else 0.0
            t = max(0.0, min(1.0, along))
            d = math.hypot(px - ax - t * dx, py - ay - t * dy)
            if d < best:
                best, j = d, k
        worst = max(worst, best * math.cos(math.radians(fix.lat)))
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    fixes = emulated_fixes(args.fixes, args.seed)
    print(f"flight: {len(fixes):,} fixes (emulator seed {args.seed})")

    flights, split_s = timed(lambda: split_flights(fixes))
    flight = flights[0]
    dump, json_s = timed(
        lambda: json.dumps([[f.lat, f.lon, f.alt_m, f.time.isoformat()] for f in fixes])
    )
    raw = FlightExport("bench", flight)
    unsimplified, raw_s = timed(lambda: build_map([raw], offline=True, tolerance_m=0.0))

    def export() -> str:
        done = FlightExport("bench", flight, predictions=tuple(predictions_during(flight)))
        return build_map([done], offline=True)

    page, export_s = timed(export)
    online, online_s = timed(lambda: build_map([FlightExport("bench", flight)], offline=False))
    size, json_size, raw_size = len(page.encode()), len(dump.encode()), len(unsimplified.encode())
    scale = AltitudeScale.for_max(flight.max_alt_m)
    runs = simplified_runs(flight.fixes, scale)
    drawn = sum(len(points) for _, points in runs)
    deviation = max_deviation_m(list(flight.fixes), runs)

    rows = [
        ("json dump (baseline)", json_s, json_size),
        ("map, every fix drawn", raw_s, raw_size),
        ("map export, offline (predictions + map)", export_s, size),
        ("map export, online, no predictions", online_s, len(online.encode())),
    ]
    print(f"{'':42}{'time':>9}{'x json':>8}{'size':>12}{'x json':>8}{'x every fix':>12}")
    for label, seconds, nbytes in rows:
        print(
            f"{label:42}{seconds:8.3f}s{seconds / json_s:8.2f}{nbytes:>12,}"
            f"{nbytes / json_size:8.3f}{nbytes / raw_size:12.3f}"
        )
    print(f"analysis (split_flights, not part of the export): {split_s:.3f} s")
    print(f"track: {len(flight.fixes):,} fixes drawn as {drawn:,} points in {len(runs)} lines")
    print(f"max distance from a fix to the drawn line: {deviation:.2f} m")
    ok = export_s < TIME_BUDGET_S and size < SIZE_BUDGET and deviation <= 10.0
    print(
        f"budget (< {TIME_BUDGET_S:g} s, < {SIZE_BUDGET / 1e6:g} MB, <= 10 m):"
        f" {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
