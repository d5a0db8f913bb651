"""End to end in a real terminal: `groundstation live --replay` in tmux, read back, quit with q."""

from __future__ import annotations

import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from tuikit import decode_log

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _poll(check, deadline_s: float, what: str):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_live_replay_in_tmux_shows_trackers_and_quits_cleanly(flight_log: Path, tmp_path: Path):
    db = tmp_path / "live.db"
    rc = tmp_path / "rc"
    session = f"gs-live-{uuid.uuid4().hex[:8]}"
    command = (
        f"cd {shlex.quote(str(REPO))} && {shlex.quote(sys.executable)} -m groundstation"
        f" --db {shlex.quote(str(db))} live --replay {shlex.quote(str(flight_log))} --speed 0"
        f" --station 52.17,0.16,20; echo $? > {shlex.quote(str(rc))}; sleep 30"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True
    )

    def screen() -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
        ).stdout

    try:
        last_alt = {}
        for d in decode_log(flight_log):
            for f in d.fixes:
                if f.alt_m is not None:
                    last_alt[f.tracker] = f"{f.alt_m:.0f}"

        def rows_shown() -> str | None:
            text = screen()
            ok = all(
                any(row.split()[:1] == [name] and alt in row.split() for row in text.splitlines())
                for name, alt in last_alt.items()
            )
            return text if ok and "landed" in text else None

        shown = _poll(rows_shown, 30, f"the trackers {last_alt} on screen")
        assert "Traceback" not in shown
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        _poll(rc.exists, 20, "the app to exit")
        assert rc.read_text().strip() == "0"
        after = screen()
        assert "Traceback" not in after and "Error" not in after
        assert "Stopped:" in after
        # everything replayed was committed before the exit
        lines = flight_log.read_bytes().count(b"\n")
        with sqlite3.connect(db) as conn:
            (stored,) = conn.execute("SELECT count(*) FROM raw_lines").fetchone()
        assert stored == lines
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
