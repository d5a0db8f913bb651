"""How long the flight analysis takes on a 100,000-fix flight: split_flights and predict_at.

Run: ``python benchmarks/flight_analysis.py [--fixes N] [--seed N] [--repeat N]``

The flight is a tracker emulator run (slow climb, 0.1 s reports, a little packet loss and bit
errors), turned into bytes and decoded by the ground station's own pipeline
(:class:`groundstation.pipeline.LineIngest`), then merged per (tracker, time) the way the store
merges GGA and RMC of one epoch. Decoding 27 MB of NMEA takes a minute or two, so the decoded
fixes are cached in ``$GROUNDSTATION_BENCH_DIR`` (default ``/tmp/groundstation-bench``).

Every time is the best of ``--repeat`` runs and is also given as a ratio against two baselines
measured in the same process on the same fixes, so figures compare across machines:

- ``sort``: ``sorted()`` of the fixes (shuffled) by time;
- ``haversine``: a plain loop over consecutive fixes adding up haversine distances.

Budget: ``split_flights`` on 100,000 fixes in under 0.4 s (issue 6 needs a whole
``export map`` in under 2 s, and every CLI call and the live view split tracks).
"""

from __future__ import annotations

import argparse
import math
import pickle
import random
import sys
import time
from collections.abc import Callable
from dataclasses import astuple
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, Row, print_table  # noqa: E402

from firmware_protocol.emulator import SimulationConfig, fly, simulate  # noqa: E402
from groundstation.flight import predict_at, split_flights  # noqa: E402
from groundstation.flight.geo import ground_distance_m  # noqa: E402
from groundstation.models import Fix  # noqa: E402
from groundstation.pipeline import LineIngest  # noqa: E402

T = TypeVar("T")
SPLIT_BUDGET_S = 0.4
ASCENT_MPS = 4.0  # a slow climb: at the emulator's shortest interval it makes ~100,000 reports


def _config(count: int, seed: int) -> SimulationConfig:
    probe = fly(SimulationConfig(seed=seed, ascent_rate=ASCENT_MPS, interval=10.0))[0]
    span_s = probe.points[-1].time - probe.points[0].time
    interval = max(0.1, round(span_s / count, 3))
    return SimulationConfig(
        seed=seed, ascent_rate=ASCENT_MPS, interval=interval, loss=0.01, bit_errors=2e-6
    )


def _merge(into: dict[tuple[str, datetime], Fix], fix: Fix) -> None:
    """First value wins, gaps filled by later records of the same epoch (as the store does)."""
    key = (fix.tracker, fix.time)
    old = into.get(key)
    if old is None:
        into[key] = fix
        return
    into[key] = Fix(
        old.tracker, old.time, old.lat, old.lon,
        old.alt_m if old.alt_m is not None else fix.alt_m,
        old.speed_mps if old.speed_mps is not None else fix.speed_mps,
        old.course_deg if old.course_deg is not None else fix.course_deg,
        old.sats if old.sats is not None else fix.sats,
        old.hdop if old.hdop is not None else fix.hdop,
        old.quality if old.quality is not None else fix.quality,
        old.sentence,
    )  # fmt: skip


def emulated_fixes(count: int, seed: int) -> list[Fix]:
    """About ``count`` decoded fixes of one emulated flight, in time order (cached on disk)."""
    config = _config(count, seed)
    path = CACHE / f"flight-analysis-{count}-{seed}.pickle"
    if path.exists():  # plain tuples: a cache outlives changes to how Fix is built
        try:
            with path.open("rb") as handle:
                return [Fix(*values) for values in pickle.load(handle)]
        except (pickle.UnpicklingError, TypeError, ValueError, EOFError, AttributeError):
            path.unlink()  # written by an older version of this benchmark: decode afresh
    print(f"decoding an emulated flight at {config.interval} s reports (cached afterwards)...")
    ingest = LineIngest("bench", config.callsign(0), live_clock=False)
    received = datetime.now(UTC)
    merged: dict[tuple[str, datetime], Fix] = {}
    decoded = []
    for _, chunk in simulate(config):
        decoded += ingest.feed(chunk, received)
    decoded += ingest.finish(received)
    for d in decoded:
        for record in d.records:
            if isinstance(record, Fix):
                _merge(merged, record)
    fixes = sorted(merged.values(), key=attrgetter("time"))
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        pickle.dump([astuple(fix) for fix in fixes], handle)
    tmp.rename(path)
    return fixes


def best_of(repeat: int, func: Callable[[], T]) -> tuple[T, float]:
    """``func()`` and the shortest of ``repeat`` timings, in seconds."""
    best = math.inf
    result: T | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return result, best


def haversine_loop(fixes: list[Fix]) -> float:
    total = 0.0
    for a, b in zip(fixes, fixes[1:], strict=False):
        total += ground_distance_m(a.lat, a.lon, b.lat, b.lon)
    return total


def thinned(fixes: list[Fix], count: int) -> list[Fix]:
    step = max(1, len(fixes) // count)
    return fixes[::step]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    fixes = emulated_fixes(args.fixes, args.seed)
    n = len(fixes)
    shuffled = fixes[:]
    random.Random(1).shuffle(shuffled)
    _, sort_s = best_of(args.repeat, lambda: sorted(shuffled, key=attrgetter("time")))
    _, hav_s = best_of(args.repeat, lambda: haversine_loop(fixes))

    flights, split_s = best_of(args.repeat, lambda: split_flights(fixes))
    flight = flights[0]
    live = thinned(fixes, 3000)
    _, live_s = best_of(args.repeat * 3, lambda: split_flights(live))
    burst = flight.burst.time if flight.burst is not None else flight.end_time
    ascent_at = flight.fixes[len(flight.fixes) // 3].time
    descent_at = burst + (flight.end_time - burst) / 2
    _, ascent_s = best_of(args.repeat, lambda: predict_at(fixes, ascent_at))
    _, descent_s = best_of(args.repeat, lambda: predict_at(fixes, descent_at))

    print(
        f"flight: {n:,} fixes (emulator seed {args.seed}), {len(flights)} flight(s), "
        f"{flight.fix_count:,} fixes in the first, {flight.rejected_count} rejected, "
        f"max {flight.max_alt_m:,.0f} m, {flight.status}"
    )

    def row(name: str, seconds: float, budget: float | None = None) -> Row:
        return Row(
            name,
            "time",
            f"{seconds:.3f} s",
            f"sort {sort_s:.3f} s / haversine {hav_s:.3f} s",
            f"{seconds / sort_s:6.1f} x / {seconds / hav_s:5.1f} x",
            "" if budget is None else f"< {budget:.2f} s",
            None if budget is None else seconds < budget,
        )

    print_table(
        [
            row(f"split_flights, {n:,} fixes", split_s, SPLIT_BUDGET_S * n / 100_000),
            row(f"split_flights, {len(live):,} fixes (live view)", live_s),
            row("predict_at, a third into the flight", ascent_s),
            row("predict_at, half-way down", descent_s),
        ]
    )
    return 0 if split_s < SPLIT_BUDGET_S * n / 100_000 else 1


if __name__ == "__main__":
    sys.exit(main())
