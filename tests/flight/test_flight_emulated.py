"""Flights and predictions on emulated flights with known truth, stored in real SQLite files.

The logs come from the tracker emulator (``emulated.SCENARIOS``), go through ``groundstation
import`` like any log, and the flights are read back from the ``flights`` table.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from emulated import Emulated, import_log

from firmware_protocol.emulator import SimulationConfig, fly
from firmware_protocol.emulator.sensors import reports
from groundstation.flight import forecast, ground_distance_m
from groundstation.models import Fix
from groundstation.store.database import Store
from groundstation.store.flights import (
    StoredFlight,
    list_flights,
    load_fixes,
    refresh_flights,
)

Imported = Callable[[str], tuple[Emulated, Path]]
LANDED = ["clean", "seed2", "seed3", "loss", "glitches"]


def _refresh(db: Path, **kwargs: Any) -> list[StoredFlight]:
    store = Store(db)
    try:
        return refresh_flights(store, **kwargs)
    finally:
        store.close()


def _fixes(db: Path, tracker: str, until: Any = None) -> list[Fix]:
    store = Store(db)
    try:
        return load_fixes(store, tracker, until)
    finally:
        store.close()


def _rows(db: Path) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT * FROM flights ORDER BY id").fetchall()
    finally:
        con.close()


def _only(flights: list[StoredFlight]) -> StoredFlight:
    assert len(flights) == 1, [(f.tracker, f.end_reason) for f in flights]
    return flights[0]


@pytest.mark.parametrize("name", LANDED)
def test_burst_launch_and_landing_match_the_truth(imported: Imported, name: str) -> None:
    em, db = imported(name)
    flight = _only(_refresh(db))
    events = em.truth().events
    assert flight.tracker == em.tracker()
    assert flight.status == "landed" and flight.end_reason == "landed"
    assert flight.launch is not None and flight.burst is not None and flight.landing is not None
    assert events.burst_alt is not None and events.burst_time is not None
    assert abs(flight.burst.alt_m - events.burst_alt) < 100
    assert abs((flight.burst.time - em.utc(events.burst_time)).total_seconds()) < 30
    assert abs(flight.max_altitude_m - events.burst_alt) < 100
    assert abs((flight.launch.time - em.utc(events.launch_time)).total_seconds()) < 30
    last = _fixes(db, em.tracker())[-1]
    assert ground_distance_m(flight.landing.lat, flight.landing.lon, last.lat, last.lon) < 200
    assert events.landing_time is not None
    assert abs((flight.landing.time - em.utc(events.landing_time)).total_seconds()) < 30
    assert flight.duration_s == pytest.approx(events.landing_time - events.launch_time, abs=30)
    assert flight.ascent_rate_mps == pytest.approx(em.config.ascent_rate, rel=0.1)
    assert flight.launch_to_landing_m is not None and flight.path_length_m > 0


@pytest.mark.parametrize("name", ["clean", "seed2", "seed3", "loss", "glitches"])
def test_prediction_5_km_up_in_descent_lands_near_the_truth_and_beats_naive(
    imported: Imported, name: str
) -> None:
    em, db = imported(name)
    truth = em.truth()
    at = em.descent_time_at(truth.ground_alt + 5_000)
    seen = _fixes(db, em.tracker(), until=at)  # only what had been received by then
    result = forecast(seen, at)
    assert result is not None and result.naive is not None
    assert result.prediction.kind == "descent"
    events = truth.events
    assert events.landing_lat is not None and events.landing_lon is not None
    ours = ground_distance_m(
        result.prediction.landing.lat, result.prediction.landing.lon,
        events.landing_lat, events.landing_lon,
    )  # fmt: skip
    naive = ground_distance_m(
        result.naive.landing.lat, result.naive.landing.lon, events.landing_lat, events.landing_lon
    )
    message = f"{name}: landing error 5 km up: ours {ours:.0f} m, naive {naive:.0f} m"
    print(message)
    assert ours < 1_000, message
    assert ours < naive, message
    assert events.landing_time is not None
    late = (result.prediction.landing.time - em.utc(events.landing_time)).total_seconds()
    assert abs(late) < 60, f"{message}; landing time off by {late:.0f} s"


def test_prediction_beats_naive_across_emulated_winds() -> None:
    """Ten more flights straight from the emulator (no log): ours wins on the whole."""
    ours_m: list[float] = []
    naive_m: list[float] = []
    for seed in range(11, 21):
        config = SimulationConfig(seed=seed, interval=5)
        truth = fly(config)[0]
        events = truth.events
        start = next(p.time for p in truth.points if p.phase == "descent" and p.alt <= 5_000 + 30)
        at = config.start + timedelta(seconds=start)
        fixes = [
            Fix(r.callsign, r.fix_time, r.lat, r.lon, r.alt_m)
            for r in reports(config, 0, truth)
            if r.fix_time <= at
        ]
        result = forecast(fixes, at)
        assert result is not None and result.naive is not None
        assert events.landing_lat is not None and events.landing_lon is not None
        for guess, errors in ((result.prediction, ours_m), (result.naive, naive_m)):
            errors.append(
                ground_distance_m(
                    guess.landing.lat, guess.landing.lon, events.landing_lat, events.landing_lon
                )
            )
    message = (
        f"landing errors 5 km up over 10 flights: ours mean {statistics.mean(ours_m):.0f} m"
        f" (max {max(ours_m):.0f}), naive mean {statistics.mean(naive_m):.0f} m"
        f" (max {max(naive_m):.0f})"
    )
    print(message)
    assert max(ours_m) < 1_000, message
    assert statistics.mean(ours_m) < statistics.mean(naive_m) / 2, message
    assert sum(o < n for o, n in zip(ours_m, naive_m, strict=True)) >= 8, message


def test_lost_packets_are_counted(imported: Imported) -> None:
    em, db = imported("loss")
    flight = _only(_refresh(db))
    sent = len(em.truth().points)
    received = len(_fixes(db, em.tracker()))
    # the flight spans the whole log; only a loss before the first packet heard goes unseen
    assert sent - received - 3 <= flight.packets_lost <= sent - received
    assert flight.packets_lost > 0.03 * sent


def test_glitches_that_pass_their_checksum_are_dropped(imported: Imported) -> None:
    em, db = imported("glitches")
    truth = em.truth()
    times = [em.utc(p.time) for p in truth.points]
    wild = 0
    for fix in _fixes(db, em.tracker()):
        i = bisect.bisect_left(times, fix.time)
        p = truth.points[min(i, len(times) - 1)]
        far = ground_distance_m(fix.lat, fix.lon, p.lat, p.lon) > 300
        if times[min(i, len(times) - 1)] != fix.time or far:
            wild += 1
    assert wild > 0, "the scenario should get some corrupted fixes past the checksums"
    flight = _only(_refresh(db))
    assert flight.rejected_count >= 1


def test_early_signal_loss_ends_the_flight_where_it_was_lost(imported: Imported) -> None:
    em, db = imported("lost")
    flight = _only(_refresh(db))
    assert flight.status == "signal lost"
    assert re.fullmatch(r"signal lost at 1[12]\d{3} m", flight.end_reason), flight.end_reason
    assert flight.landing is None and flight.launch_to_landing_m is None
    assert flight.burst is not None
    assert em.cut_at is not None
    assert abs((flight.last.time - em.cut_at).total_seconds()) <= em.config.interval
    # live, a minute after the last fix, the same flight is still in the air
    live = _only(_refresh(db, now=em.cut_at + timedelta(seconds=60)))
    assert (live.id, live.status, live.end_reason) == (flight.id, "in flight", "in flight")
    # and a prediction from where it was lost reaches the ground near the truth
    result = forecast(_fixes(db, em.tracker()))
    assert result is not None and result.prediction.kind == "descent"
    events = em.truth().events
    assert events.landing_lat is not None and events.landing_lon is not None
    error = ground_distance_m(
        result.prediction.landing.lat,
        result.prediction.landing.lon,
        events.landing_lat,
        events.landing_lon,
    )
    assert error < 3_000, f"prediction from 12 km: {error:.0f} m off"


def test_importing_and_replaying_again_leaves_identical_rows(
    imported: Imported, fresh_copy: Callable[[Path], Path]
) -> None:
    em, original = imported("clean")
    db = fresh_copy(original)
    first = _refresh(db)
    before = _rows(db)
    runner = CliRunner()
    from groundstation.cli import main

    for args in (["import", str(em.log)], ["replay", str(em.log), "--speed", "0"]):
        result = runner.invoke(main, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
    again = _refresh(db)
    assert _rows(db) == before  # updated_at too: nothing changed, nothing was written
    assert again == first


def test_a_flight_arriving_in_parts_keeps_its_row_and_ends_as_a_whole_import(
    imported: Imported, tmp_path: Path
) -> None:
    em, whole = imported("clean")
    lines = em.log.read_bytes().splitlines(keepends=True)
    # cut the log between packets, in the middle of the ascent
    cut = next(i for i in range(len(lines) // 3, len(lines)) if lines[i].startswith(b"$PHABT"))
    first, second = tmp_path / "part1.log", tmp_path / "part2.log"
    first.write_bytes(b"".join(lines[:cut]))
    second.write_bytes(b"".join(lines[cut:]))
    db = tmp_path / "live.db"
    import_log(db, first)
    last_heard = _fixes(db, em.tracker())[-1].time
    early = _only(_refresh(db, now=last_heard + timedelta(seconds=5)))
    assert early.status == "in flight" and early.burst is None and early.landing is None
    import_log(db, second)
    late = _only(_refresh(db))
    assert late.id == early.id and late.key_time == early.key_time
    assert late.status == "landed"
    reference = _only(_refresh(whole))
    assert late == dataclasses.replace(reference, id=late.id, updated_at=late.updated_at)


def test_rows_follow_the_fixes_keep_their_ids_and_go_when_the_flight_goes(
    imported: Imported, fresh_copy: Callable[[Path], Path]
) -> None:
    em, original = imported("clean")
    db = fresh_copy(original)
    flight = _only(_refresh(db))
    con = sqlite3.connect(db)
    try:
        # as if an earlier refresh had seen the launch a few seconds off
        con.execute("UPDATE flights SET key_time = '2024-06-01T09:00:20.000Z', fix_count = 1")
        con.commit()
        again = _only(_refresh(db))
        assert again == dataclasses.replace(flight, updated_at=again.updated_at)
        # without its fixes, the flight is no more
        con.execute("DELETE FROM fixes")
        con.commit()
        assert _refresh(db) == []
        assert con.execute("SELECT count(*) FROM flights").fetchone() == (0,)
    finally:
        con.close()


def test_refreshing_a_silent_tracker_writes_nothing(imported: Imported) -> None:
    em, db = imported("clean")
    _refresh(db, trackers=[em.tracker()])
    before = _rows(db)
    store = Store(db)
    try:
        started = time.perf_counter()
        flights = refresh_flights(store, [em.tracker()])
        took = time.perf_counter() - started
        assert [f.id for f in flights] == [f.id for f in list_flights(store, em.tracker())]
    finally:
        store.close()
    print(f"refresh of one tracker ({flights[0].fix_count} fixes): {took * 1000:.0f} ms")
    assert _rows(db) == before  # how long it takes is for benchmarks/flight_analysis.py


def test_unknown_trackers_have_no_flights(imported: Imported) -> None:
    _, db = imported("clean")
    assert _refresh(db, trackers=["NOBODY"]) == []
    store = Store(db)
    try:
        assert load_fixes(store, "NOBODY") == []
    finally:
        store.close()
