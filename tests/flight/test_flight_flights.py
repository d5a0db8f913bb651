"""Splitting fixes into flights and phases, on simulated flights with known truth."""

from __future__ import annotations

import dataclasses
import random
import re
from datetime import timedelta

import pytest
from synth import START, ground_walk, standard_flight, synth_flight

from groundstation.flight.clean import clean_track
from groundstation.flight.flights import Flight, split_flights
from groundstation.flight.geo import ground_distance_m
from groundstation.flight.phases import PHASE_ORDER
from groundstation.models import Fix


def _only(flights: list[Flight]) -> Flight:
    assert len(flights) == 1, [f.end_reason for f in flights]
    return flights[0]


def _seconds(a: object, b: object) -> float:
    assert isinstance(a, type(START)) and isinstance(b, type(START))
    return abs((a - b).total_seconds())


def test_events_match_the_truth() -> None:
    sim = standard_flight()
    truth = sim.truth
    flight = _only(split_flights(sim.fixes))
    assert flight.tracker == "HAB1"
    assert flight.launch is not None and flight.burst is not None and flight.landing is not None
    assert _seconds(flight.launch.time, truth.launch[0]) <= 10
    assert flight.launch.alt_m == pytest.approx(100, abs=10)
    assert ground_distance_m(flight.launch.lat, flight.launch.lon, *truth.launch[1:3]) < 20
    assert flight.burst.alt_m == pytest.approx(30_000, abs=100)
    assert _seconds(flight.burst.time, truth.burst[0]) <= 30
    assert flight.max_alt_m == pytest.approx(30_000, abs=100)
    assert _seconds(flight.landing.time, truth.landing[0]) <= 15
    last = sim.fixes[-1]
    assert ground_distance_m(flight.landing.lat, flight.landing.lon, last.lat, last.lon) < 200
    assert ground_distance_m(flight.landing.lat, flight.landing.lon, *truth.landing[1:3]) < 50
    assert flight.status == "landed" and flight.end_reason == "landed"
    assert flight.last == flight.landing


def test_phases_come_in_order() -> None:
    flight = _only(split_flights(standard_flight().fixes))
    ranks = [PHASE_ORDER.index(p) for p in flight.phases]
    assert ranks == sorted(ranks)
    assert set(flight.phases) == {"pre-launch", "ascent", "descent", "landed"}
    assert (
        flight.fix_count == len(flight.fixes) == len(flight.phases) == len(standard_flight().fixes)
    )
    assert flight.phase_at(flight.burst.time if flight.burst else START) == "ascent"
    assert flight.phase_at(START - timedelta(days=1)) is None


def test_rates_and_distances() -> None:
    flight = _only(split_flights(standard_flight().fixes))
    assert flight.ascent_rate_mps == pytest.approx(5.0, abs=0.05)
    assert flight.descent_rate_mps is not None and 7 < flight.descent_rate_mps < 15
    bands = [b for b in flight.band_rates if b.top_m <= 30_000]
    assert [b.bottom_m for b in bands] == [0, 5_000, 10_000, 15_000, 20_000, 25_000]
    for band in bands:
        assert band.ascent_mps == pytest.approx(5.0, abs=0.1)
    descents = [b.descent_mps for b in bands if b.descent_mps is not None]
    assert len(descents) == len(bands)
    assert descents == sorted(descents)  # thinner air, faster fall
    assert descents[0] == pytest.approx(5.6, abs=0.3)
    assert flight.launch_to_landing_m is not None
    assert 60_000 < flight.launch_to_landing_m < flight.path_length_m < 120_000
    assert flight.duration.total_seconds() == pytest.approx(2 * 3600 + 25 * 60, abs=60)
    assert flight.floats == ()


def test_order_and_duplicates_do_not_matter() -> None:
    fixes = standard_flight().fixes
    reference = split_flights(fixes)
    scrambled = fixes + fixes[::3]
    random.Random(5).shuffle(scrambled)
    assert split_flights(scrambled) == reference


def test_glitches_do_not_make_false_events() -> None:
    sim = standard_flight()
    fixes = list(sim.fixes)
    spike = 1500  # mid-ascent
    fixes[spike] = dataclasses.replace(fixes[spike], alt_m=60_000.0)
    jump = 4000  # mid-descent
    fixes[jump] = dataclasses.replace(fixes[jump], lat=fixes[jump].lat + 4.5)
    dip = 2000  # a wild low altitude during the ascent
    fixes[dip] = dataclasses.replace(fixes[dip], alt_m=150.0)
    flight = _only(split_flights(fixes))
    clean = _only(split_flights(sim.fixes))
    assert flight.burst == clean.burst
    assert flight.launch == clean.launch
    assert flight.landing == clean.landing
    assert flight.max_alt_m == clean.max_alt_m
    assert flight.rejected_count == 3
    assert set(clean_track(fixes).rejected) == {fixes[spike], fixes[jump], fixes[dip]}


def test_a_five_minute_gap_does_not_split_a_flight() -> None:
    sim = standard_flight()
    t_ascent = sim.truth.ascent_time_at(8_000)
    t_descent = sim.truth.descent_time_at(6_000)

    def in_gap(fix: Fix) -> bool:
        return any(t <= fix.time < t + timedelta(minutes=5) for t in (t_ascent, t_descent))

    flight = _only(split_flights([f for f in sim.fixes if not in_gap(f)]))
    assert flight.status == "landed"
    assert flight.burst is not None and flight.burst.alt_m == pytest.approx(30_000, abs=100)


def test_a_track_ending_in_descent_lost_its_signal() -> None:
    sim = standard_flight()
    cut = sim.truth.descent_time_at(12_000)
    fixes = [f for f in sim.fixes if f.time <= cut]
    flight = _only(split_flights(fixes))
    match = re.fullmatch(r"signal lost at (\d+) m", flight.end_reason)
    assert match, flight.end_reason
    assert int(match.group(1)) == pytest.approx(12_000, abs=100)
    assert flight.status == "signal lost" and flight.landing is None
    assert flight.burst is not None and flight.phases[-1] == "descent"
    assert flight.launch_to_landing_m is None
    # analysed live, a minute after the last fix, the same flight is still in the air
    live = _only(split_flights(fixes, now=cut + timedelta(minutes=1)))
    assert live.status == "in flight" and live.end_reason == "in flight"


def test_a_track_ending_in_ascent_has_no_burst() -> None:
    sim = standard_flight()
    cut = sim.truth.ascent_time_at(20_000)
    flight = _only(split_flights([f for f in sim.fixes if f.time <= cut]))
    assert flight.burst is None and flight.landing is None
    assert flight.descent_rate_mps is None
    assert flight.phases[-1] == "ascent"
    assert flight.end_reason.startswith("signal lost at 19")


def test_a_track_starting_in_the_air_has_no_launch() -> None:
    sim = standard_flight()
    start = sim.truth.ascent_time_at(3_000)
    flight = _only(split_flights([f for f in sim.fixes if f.time >= start]))
    assert flight.launch is None
    assert flight.phases[0] == "ascent"
    assert flight.burst is not None and flight.burst.alt_m == pytest.approx(30_000, abs=100)
    assert flight.status == "landed"


def test_a_track_starting_in_descent() -> None:
    sim = standard_flight()
    start = sim.truth.descent_time_at(20_000)
    flight = _only(split_flights([f for f in sim.fixes if f.time >= start]))
    assert flight.launch is None and flight.burst is None
    assert flight.phases[0] == "descent"
    assert flight.status == "landed"


def test_two_flights_on_different_days() -> None:
    first = standard_flight()
    second = synth_flight(start=START + timedelta(days=3), seed=2, burst_alt_m=25_000)
    flights = split_flights(second.fixes + first.fixes)
    assert len(flights) == 2
    assert [f.status for f in flights] == ["landed", "landed"]
    assert flights[0].burst is not None and flights[1].burst is not None
    assert flights[0].burst.alt_m == pytest.approx(30_000, abs=100)
    assert flights[1].burst.alt_m == pytest.approx(25_000, abs=100)
    assert flights[1].launch is not None
    assert _seconds(flights[1].launch.time, second.truth.launch[0]) <= 10


def test_trackers_are_kept_apart() -> None:
    other = synth_flight(tracker="HAB2", seed=9, burst_alt_m=20_000)
    flights = split_flights(standard_flight().fixes + other.fixes)
    assert sorted(f.tracker for f in flights) == ["HAB1", "HAB2"]


def test_a_ground_test_is_not_a_flight() -> None:
    walk = ground_walk()
    assert split_flights(walk) == []
    # and a ground test before the real flight does not disturb it
    before = ground_walk(start=START - timedelta(hours=3))
    flight = _only(split_flights(before + standard_flight().fixes))
    assert flight.launch == _only(split_flights(standard_flight().fixes)).launch


def test_a_float_before_the_burst() -> None:
    sim = synth_flight(burst_alt_m=18_000, float_s=3_600, interval_s=4, seed=4)
    flight = _only(split_flights(sim.fixes))
    assert len(flight.floats) == 1
    start, end = flight.floats[0]
    assert (end - start) > timedelta(minutes=50)
    assert "float" in flight.phases
    assert flight.burst is not None
    assert _seconds(flight.burst.time, sim.truth.burst[0]) <= 120
    ranks = [PHASE_ORDER.index(p) for p in flight.phases]
    assert ranks == sorted(ranks)


def test_signal_lost_low_then_found_later_on_the_ground() -> None:
    sim = standard_flight()
    cut = sim.truth.descent_time_at(900)
    found = [dataclasses.replace(f, time=f.time + timedelta(minutes=40)) for f in sim.fixes[-300:]]
    flight = _only(split_flights([f for f in sim.fixes if f.time <= cut] + found))
    assert flight.end_reason == "signal lost at 899 m"
    assert flight.landing is None
    assert flight.fixes[-1].time <= cut


def test_landing_during_a_gap_is_found_after_it() -> None:
    sim = standard_flight()
    touchdown = sim.truth.landing[0]
    fixes = [
        f
        for f in sim.fixes
        if not touchdown - timedelta(minutes=2) <= f.time <= touchdown + timedelta(minutes=8)
    ]
    flight = _only(split_flights(fixes))
    assert flight.landing is not None
    # the landing time is the first fix seen on the ground; the place is right
    assert timedelta(0) < flight.landing.time - touchdown <= timedelta(minutes=8, seconds=5)
    assert ground_distance_m(flight.landing.lat, flight.landing.lon, *sim.truth.landing[1:3]) < 50


def test_clean_track_takes_one_tracker() -> None:
    fixes = standard_flight().fixes[:5]
    with pytest.raises(ValueError, match="one tracker"):
        clean_track([*fixes, dataclasses.replace(fixes[0], tracker="OTHER")])
