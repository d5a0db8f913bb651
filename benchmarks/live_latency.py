"""Live latency: from the last byte of a packet written to a radio's port to its fix in SQLite.

    python benchmarks/live_latency.py [--seconds 20] [--trackers 4] [--rate 10]

A real pseudo-terminal stands in for the radio; `groundstation listen` reads it as a user runs
it; this process writes packets in our protocol (trackers x rate packets per second) and polls a
second SQLite connection for each fix. The baseline, measured in the same run on the same pty, is
the time for the same bytes to reach a plain pyserial reader (the operating system's share).
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tty
from datetime import UTC, datetime
from pathlib import Path

import serial

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, print_table  # noqa: E402

from firmware_protocol import encode_packet, encode_radio_report, to_wire  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def packets(trackers: int, rate: float, seconds: float) -> list[tuple[float, str, bytes]]:
    """(send at, fix time key, bytes) for every packet, fix times taken from the wall clock."""
    out = []
    start = time.time() + 1.0
    n = int(seconds * rate)
    for i in range(n):
        for k in range(trackers):
            at = round(start + i / rate + k / (rate * trackers), 2)  # GGA carries 1/100 s
            when = datetime.fromtimestamp(int(at), UTC).replace(
                microsecond=round(at % 1 * 100) * 10_000
            )
            lines = encode_packet(
                f"LAT{k}", i % 65536, when, 52.0 + i * 1e-5, 0.1 + k * 0.01,
                1000.0 + i, 5.0, 90.0, 9, 1.0, 4.0, 20.0, -10.0, 900.0,
            )  # fmt: skip
            data = to_wire(lines) + to_wire(
                [encode_radio_report(f"LAT{k}", i % 65536, -90.0, 8.0, 0)]
            )
            key = when.isoformat(timespec="milliseconds")[:23] + "Z"
            out.append((at, f"LAT{k}|{key}", data))
    return out


def baseline(plan: list[tuple[float, str, bytes]]) -> list[float]:
    """Bytes written to the pty master until a pyserial reader on the slave has them all."""
    master, slave = os.openpty()
    tty.setraw(slave)
    port = serial.Serial(os.ttyname(slave), timeout=1)
    delays = []
    for _, _, data in plan[:400]:
        start = time.perf_counter()
        os.write(master, data)
        got = 0
        while got < len(data):
            got += len(port.read(len(data) - got))
        delays.append(time.perf_counter() - start)
    port.close()
    os.close(master)
    os.close(slave)
    return delays


def measure(plan: list[tuple[float, str, bytes]], db: Path) -> list[float]:
    master, slave = os.openpty()
    tty.setraw(slave)
    listen = subprocess.Popen([sys.executable, "-m", "groundstation", "--db", str(db), "listen",
                               os.ttyname(slave)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert listen.stderr is not None
    while "open" not in listen.stderr.readline():
        pass
    written: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def poll() -> None:
        while not db.exists():
            time.sleep(0.01)
        con = sqlite3.connect(db)
        last = 0
        while not done.is_set() or len(seen) < len(written):
            rows = con.execute(
                "SELECT f.id, t.name || '|' || f.time FROM fixes f JOIN trackers t"
                " ON t.id = f.tracker_id WHERE f.id > ?", (last,)).fetchall()  # fmt: skip
            now = time.perf_counter()
            for rowid, key in rows:
                seen.setdefault(key, now)
                last = max(last, rowid)
            if done.is_set() and time.perf_counter() - finished[0] > 5:
                break
            time.sleep(0.002)
        con.close()

    finished = [0.0]
    poller = threading.Thread(target=poll)
    poller.start()
    for at, key, data in plan:
        delay = at - time.time()
        if delay > 0:
            time.sleep(delay)
        os.write(master, data)
        written[key] = time.perf_counter()
    finished[0] = time.perf_counter()
    done.set()
    poller.join()
    listen.send_signal(signal.SIGINT)
    listen.communicate(timeout=30)
    os.close(master)
    os.close(slave)
    missing = [k for k in written if k not in seen]
    if missing:
        raise SystemExit(f"{len(missing)} of {len(written)} fixes never appeared")
    return [seen[k] - written[k] for k in written]


def run(seconds: float, trackers: int, rate: float) -> list[Row]:
    plan = packets(trackers, rate, seconds)
    base = baseline(plan)
    with tempfile.TemporaryDirectory() as tmp:
        ours = measure(plan, Path(tmp) / "live.db")
    rows = []
    for p, target in ((50, 0.020), (99, 0.100)):
        value, ref = percentile(ours, p), percentile(base, p)
        rows.append(
            Row("live latency", f"p{p}, {trackers}x{rate:g} packets/s",
                f"{value * 1000:.1f} ms", f"pty {ref * 1000:.2f} ms",
                f"{value / ref:.0f}x", f"< {target * 1000:.0f} ms", value < target)
        )  # fmt: skip
    rows.append(Row("live latency", "mean", f"{statistics.fmean(ours) * 1000:.1f} ms",
                    f"pty {statistics.fmean(base) * 1000:.2f} ms", "", "", None))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--trackers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=10.0, help="packets per second per tracker")
    args = parser.parse_args()
    print_table(run(args.seconds, args.trackers, args.rate))


if __name__ == "__main__":
    main()
