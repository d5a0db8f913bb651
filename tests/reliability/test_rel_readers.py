"""Readers and writers together: ``status`` and a read-only Store while an import writes.

Protections checked: WAL mode (readers never wait for the writer), the writer's short
transactions, read-only connections for ``status`` (a reader never takes a write lock), and the
busy timeout: no reader ever sees "database is locked" (or any other error), ``status`` always
exits 0 with valid JSON, and what the readers see only grows while the import runs, including
the moments the import opens the database, commits, and closes it (its last connection then
checkpoints the WAL).
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

from relhelpers import cli_argv, count, run_cli
from trackgen import write_track

from groundstation.store.database import Store
from groundstation.store.queries import status as status_query


def test_status_and_readers_never_see_a_locked_database_while_an_import_writes(
    tmp_path: Path,
) -> None:
    log = write_track(tmp_path / "big.log", 20_000)  # 60,000 lines: several seconds of import
    db = tmp_path / "gs.db"
    assert run_cli(db, "import", str(write_track(tmp_path / "seed.log", 10))).returncode == 0
    importer = subprocess.Popen(
        cli_argv(db, "import", str(log)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    done = threading.Event()
    reader_errors: list[str] = []
    seen: list[int] = []

    def read_fixes() -> None:
        """A viewer polling the database the way the live view does: one read-only Store."""
        while not done.is_set():
            try:
                store = Store(db, readonly=True)
                try:
                    for _ in range(20):
                        n = store.query("SELECT count(*) AS n FROM fixes")[0]["n"]
                        store.query("SELECT time, lat, lon FROM fixes ORDER BY time DESC LIMIT 50")
                        seen.append(n)
                    status_query(store)
                finally:
                    store.close()
            except Exception as exc:
                reader_errors.append(repr(exc))

    reader = threading.Thread(target=read_fixes, daemon=True)
    reader.start()
    runs: list[subprocess.CompletedProcess[str]] = []
    try:
        # status, again and again, from before the first commit until after the import ended
        ended_at: float | None = None
        while ended_at is None or time.monotonic() - ended_at < 1.0:
            runs.append(run_cli(db, "status", "--json", timeout=60))
            if ended_at is None and importer.poll() is not None:
                ended_at = time.monotonic()
    finally:
        done.set()
        reader.join(30)
        out, err = importer.communicate(timeout=120)
    assert importer.returncode == 0, err
    assert "big.log: 60000 lines" in out
    bad = [r for r in runs if r.returncode != 0 or r.stderr]
    assert not bad, [r.stderr for r in bad]
    assert not reader_errors, reader_errors[:5]
    lines = [sum(s["lines"] for s in json.loads(r.stdout)["sources"]) for r in runs]
    assert lines == sorted(lines), "a reader saw the database go backwards"
    assert lines[-1] == 60_030
    assert seen == sorted(seen), "the viewer saw fixes disappear"
    assert any(10 < n < 20_010 for n in seen), "the viewer never read during the import"
    assert count(db, "SELECT count(*) FROM fixes") == 20_010
