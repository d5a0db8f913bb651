"""End to end in a real terminal: `groundstation live --replay` in tmux, read back, quit with q."""

from __future__ import annotations

import re
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


class Tmux:
    """A command running in a detached tmux session of a given size."""

    def __init__(self, command: str, width: int, height: int) -> None:
        self.session = f"gs-live-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.session, "-x", str(width), "-y",
             str(height), command],
            check=True,
        )  # fmt: skip

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.session], capture_output=True, text=True
        ).stdout

    def wait_for(self, text: str, deadline_s: float) -> str:
        """The screen, once ``text`` is on it."""
        return _poll(lambda: (screen := self.screen()) and text in screen and screen, deadline_s,
                     repr(text))  # fmt: skip

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.session, *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)


def test_fleet_of_100_at_80x24_summary_sort_and_help_fit(tmp_path: Path):
    from fleetgen import make_fleet, write_border

    from groundstation.tui.screens.help import HELP

    fleet = make_fleet()
    log = fleet.write_log(tmp_path / "campaign.log")
    border = write_border(tmp_path / "border.geojson")
    rc = tmp_path / "rc"
    q = shlex.quote
    command = (
        f"cd {q(str(REPO))} && {q(sys.executable)} -m groundstation --db {q(str(tmp_path))}/c.db"
        f" live --replay {q(str(log))} --speed 0 --station 52.17,0.16,20 --stale-after 3600"
        f" --boundary {q(str(border))}; echo $? > {q(str(rc))}; sleep 30"
    )
    tmux = Tmux(command, 80, 24)
    try:
        # The crossings are all counted once the whole log is in; the states follow as flight
        # analysis (paced for 100 trackers) catches up: the pilot tests check those counts.
        crossed = f" · {len(fleet.crossers)} crossed · "
        shown = tmux.wait_for(crossed, 60)
        lines = shown.splitlines()
        summary = re.compile(
            r"100 trackers · \d+ airborne · \d+ descending · (\d+) crossed · \d+ landed · \d+ lost"
        )
        assert summary.fullmatch(lines[0].strip()), lines[0]  # the top line, whole, at 80 columns
        assert lines[1].split()[:2] == ["Callsign", "▲"]
        assert "Traceback" not in shown

        def selected(screen: str) -> str:
            lines = screen.splitlines()
            at = next(i for i, line in enumerate(lines) if "Selected tracker" in line)
            return lines[at + 1].split()[1]  # "│ CMP002  landed  heard 17s ago"

        def rows(screen: str) -> list[list[str]]:
            return [line.split() for line in screen.splitlines()[2:] if line.startswith(" CMP")]

        def sorted_by_altitude() -> bool:
            screen = tmux.screen()
            if "Alt m ▼" not in screen:
                return False
            alts = [float(row[2]) for row in rows(screen)]
            in_sight = selected(screen) in [row[0] for row in rows(screen)]
            return len(alts) >= 8 and alts == sorted(alts, reverse=True) and in_sight

        before = selected(shown)
        tmux.keys("s")  # by altitude: the header says so, the rows go down in altitude, and
        _poll(sorted_by_altitude, 10, "the rows sorted by altitude")  # the cursor stays in sight
        assert selected(tmux.screen()) == before
        tmux.keys("Home")
        highest = max(fleet.balloons, key=lambda b: (b.fixes[-1].alt_m, b.name)).name
        _poll(lambda: tmux.screen().splitlines()[2].split()[0] == highest, 10, highest)

        for _ in range(3):  # filter: all -> airborne -> descending -> crossed
            tmux.keys("f")
        _poll(lambda: tmux.screen().splitlines()[0].rstrip().endswith("only crossed"), 10,
              "the top line to name the filter")  # fmt: skip
        top = tmux.screen().splitlines()[0].strip()
        words = r"100 trk · \d+ air · \d+ desc · \d+ crossed · \d+ landed · \d+ lost   only crossed"
        assert re.fullmatch(words, top), top  # shorter words, the filter named, at 80 columns
        assert {row[0] for row in rows(tmux.screen())} <= fleet.crossers

        tmux.keys("?")
        help_lines = [line.strip() for line in HELP.splitlines() if line.strip()]
        shown = tmux.wait_for(help_lines[-1], 10)
        for line in help_lines:  # every line whole: nothing cut at 80 columns or 24 rows
            assert line in shown, line
        assert all(len(line) <= 80 for line in shown.splitlines())
        tmux.keys("Escape")
        _poll(lambda: help_lines[0] not in tmux.screen(), 10, "the help to close")
        tmux.keys("q")
        _poll(rc.exists, 30, "the app to exit")
        assert rc.read_text().strip() == "0"
    finally:
        tmux.close()
