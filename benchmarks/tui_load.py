"""How the live view keeps up with a flood: 20 trackers at 5 packets per second each, and a
launch campaign's fleet: 100 trackers at 1 packet per second each, each crossing a border at its
own time, sorted by altitude.

Feeds packets of our protocol (PHABT, GGA, RMC, PHABE and the receiver's PHABR) through the real
pipeline (decoder, BatchWriter into a temporary database) for N seconds, twice in this process:

- baseline: the same feed with a subscriber that only notes when each batch arrives;
- live view: the Textual app running headless (``run_test``) at 200x50, subscribed to the same
  pipeline.

Display lag is the time from a batch entering the pipeline to the end of the screen refresh that
shows it (p50/p99); CPU share is process CPU time over wall time. Ratios are live view/baseline.
In the fleet case the app watches a border line that every tracker crosses once during the run
(all within a few hundred metres of it throughout: the costly case), and the table is sorted by
altitude.

    python benchmarks/tui_load.py --seconds 30            # both cases
    python benchmarks/tui_load.py --trackers 50 --rate 2  # one case of your own
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from firmware_protocol.packet import encode_packet
from firmware_protocol.proprietary import encode_radio_report
from groundstation.flight.boundary import Boundary
from groundstation.ingest import open_store
from groundstation.pipeline import LineIngest, Pipeline
from groundstation.store.writer import BatchWriter


@dataclass
class Run:
    name: str
    lags: list[float] = field(default_factory=list)
    packets: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    crossings: int = 0

    def pct(self, q: float) -> float:
        if not self.lags:
            return math.nan
        ordered = sorted(self.lags)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def packet(tracker: int, seq: int, now: datetime, t: float) -> bytes:
    """One packet of a tracker climbing at 5 m/s and drifting east."""
    callsign = f"LOAD{tracker:02d}"
    alt = 100.0 + 5.0 * t + tracker * 10
    lines = encode_packet(
        callsign, seq, now, 52.0 + tracker * 0.01, 0.1 + t * 1e-4, alt, 8.0, 90.0, 9, 1.0,
        4.1, 20.0, 10.0, 1000.0 - t * 0.1, {"up": str(int(t))},
    )  # fmt: skip
    lines.append(encode_radio_report(callsign, seq, -90.0, 8.5, 120))
    return "".join(line + "\r\n" for line in lines).encode("ascii")


def feed(
    pipeline: Pipeline, seconds: float, trackers: int, rate: float, stop: threading.Event
) -> int:
    """Send packets evenly spread in time; return how many were sent."""
    ingest = LineIngest("serial:/dev/load", "load")
    interval = 1.0 / (trackers * rate)
    start = time.monotonic()
    sent = 0
    while not stop.is_set():
        due = start + sent * interval
        now = time.monotonic()
        if now - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        tracker, seq = sent % trackers, sent // trackers
        when = datetime.now(UTC).replace(microsecond=(sent % 1000) * 1000)
        data = packet(tracker, seq, when, seq / rate)
        pipeline.publish(ingest.key, ingest.feed(data, datetime.now(UTC)))
        sent += 1
    return sent


def make_pipeline(folder: Path, name: str) -> tuple[Pipeline, Callable[[], None]]:
    db = folder / f"{name}.db"
    store = open_store(db)
    store.register_source("serial:/dev/load", "/dev/load", "serial")
    writer = BatchWriter(db).start()
    pipeline = Pipeline(writer)

    def close() -> None:
        writer.close()
        store.close()

    return pipeline, close


def measure(run: Run, body: Callable[[], int]) -> None:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    run.packets = body()
    run.wall = time.perf_counter() - wall0
    run.cpu = time.process_time() - cpu0


def baseline(folder: Path, seconds: float, trackers: int, rate: float) -> Run:
    run = Run("baseline (no app)")
    pipeline, close = make_pipeline(folder, "baseline")

    def note(batch: object) -> None:
        run.lags.append(0.0)  # seen the moment it is published: the floor of any view's lag

    pipeline.subscribe(note)
    try:
        measure(run, lambda: feed(pipeline, seconds, trackers, rate, threading.Event()))
    finally:
        close()
    return run


def border(seconds: float, trackers: int) -> Boundary:
    """A slanted line each tracker meets at its own time, from 10% to 90% into the run.

    Tracker i flies east along latitude 52.0 + 0.01 i, 1e-4 degree of longitude a second.
    """
    south, north = 52.0 - 0.005, 52.0 + 0.01 * trackers - 0.005
    return Boundary(
        "Border",
        "line",
        (((south, 0.1 + 1e-4 * seconds * 0.1), (north, 0.1 + 1e-4 * seconds * 0.9)),),
    )


async def with_app(
    folder: Path, seconds: float, trackers: int, rate: float, fleet: bool = False
) -> Run:
    from groundstation.tui.app import LiveApp
    from groundstation.tui.settings import LiveSettings, Station
    from groundstation.tui.widgets.tracker_table import TrackerTable

    run = Run("live view (200x50)")
    pipeline, close = make_pipeline(folder, "app")
    boundaries = (border(seconds, trackers),) if fleet else ()
    app = LiveApp(LiveSettings(station=Station(52.1, 0.1, 20.0), boundaries=boundaries))

    def displayed(arrived: list[float], now: float) -> None:
        run.lags.extend(now - t for t in arrived)

    app.on_displayed = displayed
    pipeline.subscribe(app.inbox.put)
    stop = threading.Event()
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            if fleet:
                await pilot.press("s")  # sorted by altitude
            wall0, cpu0 = time.perf_counter(), time.process_time()
            task = asyncio.get_running_loop().run_in_executor(
                None, feed, pipeline, seconds, trackers, rate, stop
            )
            run.packets = await task
            await pilot.pause(0.5)  # the last drain
            run.wall = time.perf_counter() - wall0
            run.cpu = time.process_time() - cpu0
            shown = len(app.main.query_one(TrackerTable).names)
            if shown != trackers:
                raise SystemExit(f"the table shows {shown} trackers, not {trackers}")
            run.crossings = app.model.crossing_count
            await pilot.press("q")
    finally:
        stop.set()
        close()
    return run


CASES = ((20, 5.0, False), (100, 1.0, True))
"""(trackers, packets per second each, fleet): issue 5's flood, and a launch campaign."""


def report(trackers: int, rate: float, seconds: float, base: Run, live: Run) -> None:
    print(f"{trackers} trackers x {rate:g} packets/s for {seconds:g} s each run")
    print(f"{'run':<22}{'packets':>9}{'pkt/s':>8}{'lag p50':>10}{'lag p99':>10}{'CPU':>8}")
    for run in (base, live):
        print(
            f"{run.name:<22}{run.packets:>9}{run.packets / run.wall:>8.1f}"
            f"{run.pct(0.5) * 1000:>8.0f}ms{run.pct(0.99) * 1000:>8.0f}ms"
            f"{run.cpu / run.wall:>8.0%}"
        )
    cpu_ratio = (live.cpu / live.wall) / (base.cpu / base.wall)
    print(
        f"{'ratio live/baseline':<22}{live.packets / base.packets:>9.2f}{'':>8}"
        f"{'(+' + format(live.pct(0.5) * 1000, '.0f') + 'ms)':>10}"
        f"{'(+' + format(live.pct(0.99) * 1000, '.0f') + 'ms)':>10}{cpu_ratio:>7.1f}x"
    )
    crossed = f", {live.crossings} border crossings logged" if live.crossings else ""
    print(f"median lag {statistics.median(live.lags) * 1000:.0f} ms over {len(live.lags)} batches"
          f"{crossed}\n")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each run")
    parser.add_argument("--trackers", type=int, help="one case of this many trackers ...")
    parser.add_argument("--rate", type=float, default=5.0, help="... at this many packets/s each")
    parser.add_argument("--fleet", action="store_true", help="... watching a border, sorted")
    args = parser.parse_args()
    cases = CASES if args.trackers is None else ((args.trackers, args.rate, args.fleet),)
    for trackers, rate, fleet in cases:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            base = baseline(folder, args.seconds, trackers, rate)
            live = asyncio.run(with_app(folder, args.seconds, trackers, rate, fleet))
        report(trackers, rate, args.seconds, base, live)


if __name__ == "__main__":
    main()
