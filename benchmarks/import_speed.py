"""Import throughput and memory, against a bare pynmea2 loop and gpsbabel on the same file.

    python benchmarks/import_speed.py [--lines 1000000] [--memory-lines 1000000 4000000]

Figures are ratios against baselines run in the same command on the same input, so they hold on
a noisy machine: the import rate over the rate of `pynmea2.parse(line, check=True)` alone, and
gpsbabel's time (`gpsbabel -i nmea -f FILE -o gpx -F OUT`, where installed) over ours.
For context, the "SQLite floor": inserting exactly the rows the import stored into an empty
database, nothing else; no import that keeps every line can beat it.

Peak RSS is summed over the import's whole process tree (the writer and its decoding worker),
sampled from /proc every 50 ms; the table says so.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, flight_log, groundstation, measured, print_table  # noqa: E402


def bare_parse_seconds(path: Path) -> float:
    import pynmea2

    import firmware_protocol  # noqa: F401  (registers our $PHAB sentences with pynmea2)

    lines = path.read_bytes().decode("ascii", "replace").splitlines()
    start = time.perf_counter()
    for line in lines:
        with contextlib.suppress(pynmea2.ParseError):
            pynmea2.parse(line, check=True)
    return time.perf_counter() - start


def storage_floor_seconds(db: Path, into: Path, batch: int = 20_000) -> float:
    """SQLite alone: the time to insert, into an empty database with the same schema and
    settings, exactly the rows an import stored (read back first, untimed), ``batch`` raw lines
    a transaction as the import commits them, tracker ids given (no look-up). No import that
    stores every line can be faster than this."""
    import sqlite3

    from groundstation.store.database import Store

    source = sqlite3.connect(db)
    tables = {}
    for table in ("trackers", "raw_lines", "fixes", "telemetry", "link"):
        columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
        data = source.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        tables[table] = (sql, data)
    source.close()
    store = Store(into)
    conn = store.conn
    share = {t: max(1, len(d) * batch // max(1, len(tables["raw_lines"][1])))
             for t, (_, d) in tables.items()}  # fmt: skip
    start = time.perf_counter()
    done = False
    step = 0
    while not done:
        done = True
        conn.execute("BEGIN IMMEDIATE")
        for table, (sql, data) in tables.items():
            part = data[step * share[table] : (step + 1) * share[table]]
            if part:
                conn.executemany(sql, part)
                done = False
        conn.execute("COMMIT")
        step += 1
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def throughput(lines: int) -> list[Row]:
    log = flight_log(lines)
    # The baselines run just before and just after the import, and count by their mean: this
    # machine's speed drifts by tens of percent over a minute, and a single baseline run before
    # the import put the same import anywhere from 0.22x to 0.28x.
    bare_before = bare_parse_seconds(log)
    with tempfile.TemporaryDirectory() as tmp:
        ours, _ = groundstation("--db", f"{tmp}/bench.db", "import", str(log))
        bare_after = bare_parse_seconds(log)
        bare = (bare_before + bare_after) / 2
        floor = storage_floor_seconds(Path(f"{tmp}/bench.db"), Path(f"{tmp}/floor.db"))
        rows = [
            Row("import", f"{lines:,} lines", f"{lines / ours:,.0f} lines/s",
                f"pynmea2.parse {lines / bare:,.0f} lines/s (before {lines / bare_before:,.0f},"
                f" after {lines / bare_after:,.0f})", f"{bare / ours:.2f}x", ">= 0.6x",
                bare / ours >= 0.6),
            Row("import", "SQLite floor (same rows, inserts only)", f"{ours:.1f} s",
                f"inserts {floor:.1f} s", f"{floor / ours:.2f}x", "(context)", None),
        ]  # fmt: skip
        if shutil.which("gpsbabel"):
            babel_runs = [
                measured("gpsbabel", "-i", "nmea", "-f", str(log), "-o", "gpx", "-F",
                         f"{tmp}/out.gpx")[0]
                for _ in range(2)
            ]  # fmt: skip
            babel = sum(babel_runs) / len(babel_runs)
            rows.append(
                Row("import", "vs gpsbabel", f"{ours:.1f} s", f"gpsbabel {babel:.1f} s",
                    f"{babel / ours:.2f}x faster", ">= 2x", babel / ours >= 2)
            )  # fmt: skip
            rows.append(
                Row("import", "SQLite floor vs gpsbabel", f"inserts {floor:.1f} s",
                    f"gpsbabel {babel:.1f} s", f"{babel / floor:.2f}x faster", "(context)",
                    None)
            )  # fmt: skip
        else:
            rows.append(Row("import", "vs gpsbabel", "-", "gpsbabel not installed", "-", ">= 2x",
                            None))  # fmt: skip
    return rows


def memory(sizes: list[int]) -> list[Row]:
    peaks = {}
    for n in sizes:
        log = flight_log(n)
        with tempfile.TemporaryDirectory() as tmp:
            _, peaks[n] = groundstation("--db", f"{tmp}/bench.db", "import", str(log))
    small, large = sizes[0], sizes[-1]
    growth = peaks[large] / peaks[small]
    rows = [Row("memory", f"peak RSS (parent+worker, 50 ms samples), {n:,} lines",
                f"{peaks[n] / 1024:.0f} MB", "", "", "< 150 MB",
                peaks[n] < 150 * 1024) for n in sizes]  # fmt: skip
    rows.append(Row("memory", f"{large:,} vs {small:,} lines", f"{peaks[large] / 1024:.0f} MB",
                    f"{peaks[small] / 1024:.0f} MB", f"{growth:.2f}x", "flat (<= 1.10x)",
                    growth <= 1.10))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--memory-lines", type=int, nargs="+", default=[1_000_000, 4_000_000])
    args = parser.parse_args()
    rows = throughput(args.lines) + memory(args.memory_lines)
    print_table(rows)


if __name__ == "__main__":
    main()
