"""Unplugging and replugging a radio ten times during a flight.

Protections checked: ``PortReader``'s reconnect with capped backoff (back within 2 s of the
radio returning, every time), ``listen`` surviving a vanished device (no crash, exit 0), line
numbering that continues across reconnects, and the writer storing every line that arrived
while the port was open (the count is exact, in the database and in the exit summary).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from relhelpers import count, wait_until
from test_listen import Listen, Radio, now_utc
from trackgen import track_lines

CYCLES = 10
EPOCHS_PER_CYCLE = 8  # RMC + GGA + GSV each: 24 lines


def test_ten_unplugs_during_a_flight_lose_nothing_sent_while_connected(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    rng = random.Random(10)
    lines = track_lines(EPOCHS_PER_CYCLE * (CYCLES + 1), start=now_utc())
    per = 3 * EPOCHS_PER_CYCLE
    radio = Radio(tmp_path / "radio")
    listen = Listen(db, str(radio.link), "--tracker", "HAB1")
    name = str(radio.link)
    reconnects: list[float] = []
    try:
        listen.wait_for(f"{name}: open")
        sent = 0
        for cycle in range(CYCLES + 1):
            chunk = lines[cycle * per : (cycle + 1) * per]
            # sent in a few writes, as a radio would deliver a burst
            for part in (chunk[:5], chunk[5:17], chunk[17:]):
                radio.send(part)
            sent += len(chunk)
            wait_until(
                lambda n=sent: count(db, "SELECT count(*) FROM raw_lines") >= n,
                f"the {sent} lines sent so far were not all stored",
            )
            if cycle == CYCLES:
                break
            radio.unplug()
            listen.wait_for(f"{name}: lost", times=cycle + 1)
            # the radio stays away a random while: the scenario, not a wait for some state
            time.sleep(rng.uniform(0.0, 0.6))
            radio.plug()
            reconnects.append(listen.wait_for(f"{name}: open", times=cycle + 2))
        assert listen.proc.poll() is None, "listen exited on an unplugged port"
    finally:
        code, out = listen.stop()
        radio.unplug()
    total = per * (CYCLES + 1)
    assert code == 0, listen.stderr
    assert max(reconnects) < 2.0, f"reconnect times: {reconnects}"
    assert len(reconnects) == CYCLES
    epochs = EPOCHS_PER_CYCLE * (CYCLES + 1)
    assert out.strip() == (
        f"Stopped: {total} lines stored, {epochs} fixes, 0 rejected"
        f" ({name}: {total} lines, {epochs} fixes, 0 rejected)"
    )
    assert count(db, "SELECT count(*) FROM raw_lines WHERE status = 'ok'") == total
    assert count(db, "SELECT count(DISTINCT line_no) FROM raw_lines") == total
    assert count(db, "SELECT max(line_no) FROM raw_lines") == total
    assert count(db, "SELECT count(*) FROM fixes") == epochs
    assert not [line for line in listen.stderr if "Traceback" in line or "Error" in line]
