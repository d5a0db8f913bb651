"""Run every benchmark and print its figures, each against a baseline run in the same command.

    python benchmarks/run.py            # the figures in the README (takes several minutes)
    python benchmarks/run.py --quick    # smaller inputs, for a first look

Each benchmark is also a script of its own in this folder, with --help.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = [
    ("import_speed.py", ["--lines", "1000000", "--memory-lines", "1000000", "4000000"]),
    ("live_latency.py", ["--seconds", "30"]),
    ("tui_load.py", ["--seconds", "30"]),
    ("map_export.py", []),
    ("flight_analysis.py", []),
]
QUICK = [
    ("import_speed.py", ["--lines", "200000", "--memory-lines", "200000", "800000"]),
    ("live_latency.py", ["--seconds", "10"]),
    ("tui_load.py", ["--seconds", "10"]),
    ("map_export.py", []),
    ("flight_analysis.py", []),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs, shorter runs")
    args = parser.parse_args()
    cpu = platform.processor() or platform.machine()
    print(f"machine: {cpu}, Python {platform.python_version()}, {platform.system()}")
    failed = []
    for script, options in QUICK if args.quick else FULL:
        if not (HERE / script).exists():
            continue
        print(f"\n== {script} {' '.join(options)}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / script), *options])
        if done.returncode != 0:
            failed.append(script)
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
