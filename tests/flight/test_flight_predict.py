"""Landing prediction from the flight's own winds, against a simulated flight's true landing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from synth import ground_walk, jet_wind, standard_flight

from groundstation.flight.flights import split_flights
from groundstation.flight.geo import ground_distance_m
from groundstation.flight.predict import (
    Prediction,
    PredictionSettings,
    naive_prediction,
    predict_at,
    predict_flight,
)
from groundstation.flight.wind import wind_profile

GROUND = 100.0  # the simulated launch site's altitude


def _error_m(prediction: Prediction | None) -> float:
    assert prediction is not None
    _, lat, lon, _ = standard_flight().truth.landing
    return ground_distance_m(prediction.landing_lat, prediction.landing_lon, lat, lon)


def test_descent_prediction_5_km_up_beats_the_naive_drift() -> None:
    sim = standard_flight()
    at = sim.truth.descent_time_at(GROUND + 5_000)
    ours = predict_at(sim.fixes, at)
    naive = naive_prediction(sim.fixes, at)
    assert ours is not None and naive is not None
    assert ours.kind == naive.kind == "descent"
    ours_m, naive_m = _error_m(ours), _error_m(naive)
    message = f"landing error: ours {ours_m:.0f} m, naive {naive_m:.0f} m"
    assert ours_m < 1_000, message
    assert ours_m < naive_m, message
    assert ours.sea_level_descent_mps == pytest.approx(5.0, abs=0.2)
    assert ours.ground_alt_m == pytest.approx(GROUND, abs=10)
    truth_time = sim.truth.landing[0]
    assert abs((ours.landing_time - truth_time).total_seconds()) < 30, message


def test_predictions_converge_during_descent() -> None:
    sim = standard_flight()
    heights = [20_000, 10_000, 5_000, 2_000, 500]
    errors = [
        _error_m(predict_at(sim.fixes, sim.truth.descent_time_at(GROUND + h))) for h in heights
    ]
    message = "errors by height above ground: " + ", ".join(
        f"{h} m: {e:.0f} m" for h, e in zip(heights, errors, strict=True)
    )
    assert errors[-1] < 100, message
    assert errors[-2] < 300, message
    assert errors[-1] < errors[-2] < errors[-3] < errors[0], message


def test_predict_at_ignores_later_fixes() -> None:
    sim = standard_flight()
    at = sim.truth.descent_time_at(GROUND + 8_000)
    earlier = [f for f in sim.fixes if f.time <= at]
    assert predict_at(sim.fixes, at) == predict_at(earlier)
    assert predict_at(sim.fixes, at) == predict_at(earlier[::-1], at)


def test_path_reaches_the_ground_in_steps() -> None:
    sim = standard_flight()
    at = sim.truth.descent_time_at(GROUND + 10_000)
    prediction = predict_at(sim.fixes, at)
    assert prediction is not None
    path = prediction.path
    assert path[0].time == prediction.made_at <= at
    assert path[-1] == prediction.landing
    assert path[-1].alt_m == pytest.approx(GROUND, abs=10)
    steps = [(b.time - a.time).total_seconds() for a, b in zip(path, path[1:], strict=False)]
    assert all(0 < step <= 31 for step in steps)
    alts = [p.alt_m for p in path]
    assert alts == sorted(alts, reverse=True)
    assert prediction.burst is None


def test_ascent_prediction_near_burst_altitude() -> None:
    sim = standard_flight()
    at = sim.truth.ascent_time_at(29_000)
    ours = predict_at(sim.fixes, at)
    naive = naive_prediction(sim.fixes, at)
    assert ours is not None and naive is not None
    assert ours.kind == "ascent"
    assert ours.ascent_rate_mps == pytest.approx(5.0, abs=0.1)
    assert ours.burst is not None and ours.burst.alt_m == pytest.approx(30_000)
    assert abs((ours.burst.time - sim.truth.burst[0]).total_seconds()) < 30
    ours_m, naive_m = _error_m(ours), _error_m(naive)
    message = f"landing error: ours {ours_m:.0f} m, naive {naive_m:.0f} m"
    assert ours_m < 2_000 < naive_m, message


def test_ascent_prediction_uses_the_configured_burst_altitude() -> None:
    sim = standard_flight()
    at = sim.truth.ascent_time_at(10_000)
    low = predict_at(sim.fixes, at, settings=PredictionSettings(burst_alt_m=20_000))
    high = predict_at(sim.fixes, at)
    assert low is not None and high is not None
    assert low.burst is not None and low.burst.alt_m == pytest.approx(20_000)
    assert low.landing_time < high.landing_time
    assert high.burst in high.path
    assert max(p.alt_m for p in high.path) == pytest.approx(30_000)


def test_abort_prediction_bursts_now() -> None:
    sim = standard_flight()
    at = sim.truth.ascent_time_at(15_000)
    settings = PredictionSettings(ground_alt_m=500.0, sea_level_descent_mps=6.0)
    abort = predict_at(sim.fixes, at, kind="abort", settings=settings)
    assert abort is not None and abort.kind == "abort"
    assert abort.burst == abort.path[0]
    assert abort.path[0].alt_m == pytest.approx(15_000, abs=30)
    assert abort.landing.alt_m == pytest.approx(500.0)
    assert abort.sea_level_descent_mps == 6.0
    assert abort.ascent_rate_mps is None
    minutes = (abort.landing_time - abort.made_at).total_seconds() / 60
    assert 25 < minutes < 45


def test_kinds_that_do_not_fit_the_phase() -> None:
    sim = standard_flight()
    descending = sim.truth.descent_time_at(10_000)
    assert predict_at(sim.fixes, descending, kind="ascent") is None
    assert predict_at(sim.fixes, descending, kind="abort") is not None
    ascending = sim.truth.ascent_time_at(10_000)
    assert predict_at(sim.fixes, ascending, kind="descent") is None


def test_no_prediction_on_the_ground() -> None:
    sim = standard_flight()
    assert predict_at(sim.fixes) is None  # landed
    assert predict_at(sim.fixes, sim.truth.launch[0] - timedelta(minutes=1)) is None
    assert predict_at(ground_walk()) is None
    assert naive_prediction(ground_walk()) is None


def test_one_tracker_at_a_time() -> None:
    fixes = standard_flight().fixes
    other = [dataclasses.replace(f, tracker="HAB2") for f in fixes[:10]]
    with pytest.raises(ValueError, match="one tracker"):
        predict_at(fixes + other)


def test_wind_profile_recovers_the_jet() -> None:
    flight = split_flights(standard_flight().fixes)[0]
    profile = wind_profile(flight.fixes_in("ascent"))
    east, north = profile.at(11_000)
    # the simulated wind grows 3 % an hour; the balloon passed 11 km ~40 minutes after launch
    true_east, true_north = jet_wind(11_000, 2_800)
    assert east == pytest.approx(true_east, abs=1.0)
    assert north == pytest.approx(true_north, abs=1.0)
    assert profile.at(60_000) == profile.at(profile.bands[-1].top_m)
    assert profile.bands[0].bottom_m == 0


def test_predict_flight_matches_predict_at() -> None:
    sim = standard_flight()
    at = sim.truth.descent_time_at(GROUND + 3_000)
    flight = split_flights([f for f in sim.fixes if f.time <= at])[-1]
    assert predict_flight(flight) == predict_at(sim.fixes, at)
