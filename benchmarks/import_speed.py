"""Import throughput and memory, against a bare pynmea2 loop and gpsbabel on the same file.

    python benchmarks/import_speed.py [--lines 1000000] [--memory-lines 1000000 4000000]

Figures are ratios against baselines run in the same command on the same input, so they hold on
a noisy machine: the import rate (the mean of two imports) over the rate of
`pynmea2.parse(line, check=True)` alone (the mean of runs before, between and after), and
gpsbabel's time (`gpsbabel -i nmea -f FILE -o gpx -F OUT`, where installed) over ours.
For context, the "SQLite floor": inserting exactly the rows the import stored into an empty
database, nothing else; no import that keeps every line can beat it. And the "two-core
bound": the CPU the import's two processes used (the decoding process, and the writer), as no
schedule on two cores could run it faster: the larger of either alone and half their sum.
And gpsbabel with TZ set: gpsbabel turns each time stamp into a time with the C library's
local-time functions, and where TZ is unset (as on a stock Debian or Ubuntu) the C library looks
at /etc/localtime again each time: three million stat calls for 1M lines, most of gpsbabel's
time. With TZ set (to the same zone, ``:/etc/localtime``) it does not, and the row shows how
fast gpsbabel is without them. Where TZ is set already, the two gpsbabel rows time the same.

The project's bytecode is compiled first (:func:`common.compile_bytecode`), as an installed
copy's is: no figure includes compiling it. Peak RSS is summed over the import's whole process
tree (the writer and its decoding worker), sampled from /proc every 50 ms; the table says so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    Row,
    compile_bytecode,
    flight_log,
    groundstation,
    groundstation_run,
    measured,
    print_table,
)


def bare_parse_seconds(path: Path) -> float:
    import pynmea2

    import firmware_protocol  # noqa: F401  (registers our $PHAB sentences with pynmea2)

    lines = path.read_bytes().decode("ascii", "replace").splitlines()
    parse, error = pynmea2.parse, pynmea2.ParseError
    start = time.perf_counter()
    for line in lines:
        try:  # noqa: SIM105 (suppress() costs ~8 % of this loop: not a bare loop)
            parse(line, check=True)
        except error:
            pass
    return time.perf_counter() - start


def storage_floor_seconds(db: Path, into: Path, batch: int = 20_000) -> float:
    """SQLite alone: the time the import's writer (``Store.write_rows``) takes to store, into an
    empty database with the same schema and settings, exactly the rows an import stored. They
    are read back first (untimed) as the ``Rows`` the decoding process hands the writer, ``batch``
    raw lines a transaction as the import commits them, so the same statements bind the same
    parameters (ok lines the short insert, trackers by id). No import that stores every line
    can be faster than this."""
    import sqlite3
    from bisect import bisect_left

    from groundstation.store.database import Rows, Store

    source = sqlite3.connect(db)
    raw = source.execute(
        "SELECT id, source_id, line_no, received_at, text, status, reason, sentence, tracker_id"
        " FROM raw_lines ORDER BY id"
    ).fetchall()
    # Each table's rows as the writer takes them, the id of their raw line last.
    records = {
        "fixes": "tracker_id, time, lat, lon, alt_m, speed_mps, course_deg, sats, hdop, quality,"
        " sentence, raw_line_id FROM fixes",
        "telemetry": "tracker_id, time, seq, battery_v, temp_int_c, temp_ext_c, pressure_hpa,"
        " extra, raw_line_id FROM telemetry",
        "links": "tracker_id, received_at, seq, rssi_dbm, snr_db, freq_error_hz, crc_ok,"
        " lost_before, raw_line_id FROM link",
        "station": "time, lat, lon, alt_m, raw_line_id FROM station_fixes",
    }
    tables = {
        field: source.execute(f"SELECT {sql} ORDER BY raw_line_id").fetchall()
        for field, sql in records.items()
    }
    trackers = dict(source.execute("SELECT name, id FROM trackers ORDER BY id"))
    source.close()
    parts = []
    taken = dict.fromkeys(tables, 0)
    for start in range(0, len(raw), batch):
        lines = raw[start : start + batch]
        rows = Rows(lines=len(lines), trackers=trackers)
        for line in lines:
            if line[5] == "ok" and line[6] is None:
                rows.add_ok(line[0], line[3], line[4], line[7], line[8])
            else:
                rows.rejected.append(line)
        end = lines[-1][0] + 1
        for field, data in tables.items():
            cut = bisect_left(data, end, lo=taken[field], key=lambda r: r[-1])
            part = data[taken[field] : cut]
            taken[field] = cut
            setattr(rows, field, [list(r) for r in part] if field == "fixes" else part)
        parts.append(rows)
    store = Store(into)
    began = time.perf_counter()
    for rows in parts:
        store.write_rows([rows])
    elapsed = time.perf_counter() - began
    store.close()
    return elapsed


def throughput(lines: int) -> list[Row]:
    log = flight_log(lines)
    # The import runs twice, into a new database each time, and the baseline before, between
    # and after; each counts by its mean. This machine's speed drifts by tens of percent over a
    # minute: a single baseline run before the import put the same import anywhere from 0.22x
    # to 0.28x, and one import against a baseline either side moved by about 0.05 from run to
    # run.
    bares = [bare_parse_seconds(log)]
    with tempfile.TemporaryDirectory() as tmp:
        runs = []
        for n in range(2):
            runs.append(groundstation_run("--db", f"{tmp}/bench{n}.db", "import", str(log)))
            bares.append(bare_parse_seconds(log))
        ours = sum(r.wall for r in runs) / len(runs)
        # The CPU of the decoding process (the import's only child) and of the rest (the
        # writer): no schedule of that work on two cores takes less than the bound.
        decoding = sum(sum(r.children_cpu) for r in runs) / len(runs)
        storing = sum(r.cpu for r in runs) / len(runs) - decoding
        bound = max(decoding, storing, (decoding + storing) / 2)
        bare = sum(bares) / len(bares)
        floor = storage_floor_seconds(Path(f"{tmp}/bench1.db"), Path(f"{tmp}/floor.db"))
        each = ", ".join(f"{lines / b:,.0f}" for b in bares)
        rows = [
            Row("import", f"{lines:,} lines (mean of 2)", f"{lines / ours:,.0f} lines/s",
                f"pynmea2.parse {lines / bare:,.0f} lines/s (mean of {each})",
                f"{bare / ours:.2f}x", ">= 0.6x", bare / ours >= 0.6),
            Row("import", "SQLite floor (same rows, inserts only)", f"{ours:.1f} s",
                f"inserts {floor:.1f} s", f"{floor / ours:.2f}x", "(context)", None),
            Row("import", "CPU: decoding process + writer (mean of 2)",
                f"{decoding:.1f} s + {storing:.1f} s", f"wall {ours:.1f} s",
                f"{(decoding + storing) / ours:.2f} cores", "(context)", None),
        ]  # fmt: skip
        if shutil.which("gpsbabel"):
            babel_runs = [
                measured("gpsbabel", "-i", "nmea", "-f", str(log), "-o", "gpx", "-F",
                         f"{tmp}/out.gpx")[0]
                for _ in range(2)
            ]  # fmt: skip
            babel = sum(babel_runs) / len(babel_runs)
            zoned = {**os.environ, "TZ": os.environ.get("TZ") or ":/etc/localtime"}
            zoned_runs = [
                measured("gpsbabel", "-i", "nmea", "-f", str(log), "-o", "gpx", "-F",
                         f"{tmp}/out.gpx", env=zoned)[0]
                for _ in range(2)
            ]  # fmt: skip
            zoned_babel = sum(zoned_runs) / len(zoned_runs)
            rows.append(
                Row("import", "vs gpsbabel", f"{ours:.1f} s", f"gpsbabel {babel:.1f} s",
                    f"{babel / ours:.2f}x faster", ">= 2x", babel / ours >= 2)
            )  # fmt: skip
            than = "faster" if zoned_babel >= ours else "(slower)"
            rows.append(
                Row("import", "vs gpsbabel with TZ set (no stat a time stamp)", f"{ours:.1f} s",
                    f"gpsbabel {zoned_babel:.1f} s", f"{zoned_babel / ours:.2f}x {than}",
                    "(context)", None)
            )  # fmt: skip
            rows.append(
                Row("import", "two-core bound vs gpsbabel", f"bound {bound:.1f} s",
                    f"gpsbabel {babel:.1f} s", f"{babel / bound:.2f}x faster", "(context)", None)
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
    compile_bytecode()
    rows = throughput(args.lines) + memory(args.memory_lines)
    print_table(rows)


if __name__ == "__main__":
    main()
