"""The optimised flight analysis gives exactly what the plain per-fix loops give.

:mod:`reference` keeps the analysis as it was before it was vectorised. Here both run on
synthetic and emulated flights with the faults real logs have (glitches, duplicates, fixes
without altitude, impossible values, gaps, shuffled order, several trackers, cut-off tracks) and
must agree on every flight, phase, event and statistic. ``repr`` is compared as well as ``==``,
so even a ``-0.0`` where there was a ``0.0`` would fail.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import reference
from emulated import Emulated
from synth import START, ground_walk, standard_flight, synth_flight

from groundstation.flight import clean, flights, phases, predict, rates, wind
from groundstation.flight.arrays import floats, local_offsets_m
from groundstation.flight.geo import local_offset_m, normalize_lon
from groundstation.flight.phases import FlightSettings
from groundstation.models import Fix
from groundstation.pipeline import LineIngest


def _same(new: Any, old: Any) -> None:
    assert new == old
    assert repr(new) == repr(old)


def _faulty(fixes: list[Fix], seed: int, nan_twice: bool = False) -> list[Fix]:
    """The fixes shuffled, with glitches, duplicates, missing altitudes and impossible values."""
    rng = random.Random(seed)
    out = list(fixes)
    n = len(out)
    for _ in range(max(3, n // 400)):  # single and paired glitches
        i = rng.randrange(1, n - 2)
        out[i] = dataclasses.replace(
            out[i], alt_m=(out[i].alt_m or 0.0) + rng.choice((-1, 1)) * 9e3
        )
        if rng.random() < 0.3:
            out[i + 1] = dataclasses.replace(out[i + 1], lat=out[i + 1].lat + 0.5)
    for _ in range(max(3, n // 300)):  # the same moment heard twice, differently
        f = out[rng.randrange(n)]
        out.append(dataclasses.replace(f, alt_m=None, sentence="RMC"))
        out.append(dataclasses.replace(f, hdop=None, speed_mps=1.0))
    for _ in range(2 if nan_twice else 0):  # NaN in a moment heard twice has no order...
        f = out[rng.randrange(n)]
        out.append(dataclasses.replace(f, lat=math.nan, sentence="RMC"))  # ...so all is sorted
    for _ in range(3):
        f = out[rng.randrange(n)]
        out.append(dataclasses.replace(f, time=f.time + timedelta(milliseconds=1), alt_m=None))
        g = out[rng.randrange(n)]
        out.append(dataclasses.replace(g, time=g.time + timedelta(milliseconds=3), alt_m=7e4))
        h = out[rng.randrange(n)]
        out.append(dataclasses.replace(h, time=h.time + timedelta(milliseconds=5), lat=math.nan))
        k = out[rng.randrange(n)]
        out.append(dataclasses.replace(k, time=k.time + timedelta(milliseconds=7), lon=math.inf))
    rng.shuffle(out)
    return out


def _gapped(fixes: list[Fix], *holes: tuple[float, float]) -> list[Fix]:
    """Without the fixes in the given fractions of the track's time span."""
    t0, t1 = fixes[0].time, fixes[-1].time

    def at(x: float) -> datetime:
        return t0 + (t1 - t0) * x

    return [f for f in fixes if not any(at(a) <= f.time < at(b) for a, b in holes)]


@functools.cache
def _emulated_decoded(directory: Path, emulated: Emulated) -> list[Fix]:
    """The fixes of an emulator log as the decoder gives them (GGA and RMC separately)."""
    ingest = LineIngest("test", emulated.tracker(), live_clock=False)
    received = datetime(2030, 1, 1, tzinfo=UTC)
    decoded = ingest.feed(emulated.log.read_bytes(), received) + ingest.finish(received)
    return [r for d in decoded for r in d.records if isinstance(r, Fix)]


def _cases() -> dict[str, Callable[[], list[Fix]]]:
    sim = lambda: list(standard_flight().fixes)  # noqa: E731
    return {
        "standard": sim,
        "faulty": lambda: _faulty(sim(), 1),
        "faulty-nan-twice": lambda: _faulty(sim(), 5, nan_twice=True),
        "faulty-gaps": lambda: _faulty(_gapped(sim(), (0.2, 0.23), (0.6, 0.62), (0.9, 0.97)), 2),
        "float": lambda: (
            synth_flight(burst_alt_m=18_000, float_s=3_600, interval_s=4, seed=4).fixes
        ),
        "sparse": lambda: synth_flight(interval_s=15, seed=5, noise_v_m=20.0).fixes,
        "dense": lambda: synth_flight(interval_s=1, seed=6, burst_alt_m=8_000).fixes,
        "two-days-two-trackers": lambda: _faulty(
            sim()
            + synth_flight(start=START + timedelta(days=3), seed=2, burst_alt_m=25_000).fixes
            + synth_flight(tracker="HAB2", seed=9, burst_alt_m=20_000).fixes,
            3,
        ),
        "walk-then-flight": lambda: ground_walk(start=START - timedelta(hours=3)) + sim(),
        "walk": lambda: ground_walk(),
        "starts-in-descent": lambda: sim()[4000:],
        "ends-in-ascent": lambda: sim()[:2000],
        "lost-then-found": lambda: (
            sim()[:4500]
            + [dataclasses.replace(f, time=f.time + timedelta(minutes=40)) for f in sim()[-300:]]
        ),
        "integer-altitudes": lambda: _faulty(
            [dataclasses.replace(f, alt_m=round(f.alt_m or 0)) for f in sim()], 4
        ),
        "tiny": lambda: sim()[:5],
    }


_MAKERS = _cases()
CASES = sorted(_MAKERS)


@functools.cache
def _made(name: str) -> tuple[Fix, ...]:
    return tuple(_MAKERS[name]())


def _case(name: str) -> list[Fix]:
    """The fixes of a case (made once per session)."""
    return list(_made(name))


@pytest.mark.parametrize("name", CASES)
def test_split_flights_matches_the_reference(name: str) -> None:
    fixes = _case(name)
    _same(flights.split_flights(fixes), reference.split_flights(fixes))


@pytest.mark.parametrize("name", ["standard", "faulty", "faulty-gaps", "float", "sparse"])
def test_live_analysis_of_a_growing_track_matches_the_reference(name: str) -> None:
    fixes = sorted(_case(name), key=lambda f: f.time)
    for cut in (0.05, 0.15, 0.4, 0.55, 0.8, 0.97):
        upto = fixes[: int(len(fixes) * cut)]
        now = upto[-1].time + timedelta(seconds=30)
        _same(flights.split_flights(upto, now=now), reference.split_flights(upto, now=now))


@pytest.mark.parametrize("name", ["clean", "glitches", "loss", "lost"])
def test_emulated_logs_match_the_reference(
    name: str, flight_log: Callable[[str], Emulated], emulated_dir: Path
) -> None:
    fixes = _emulated_decoded(emulated_dir, flight_log(name))
    _same(flights.split_flights(fixes), reference.split_flights(fixes))
    one_per_moment = list({(f.tracker, f.time): f for f in reversed(fixes)}.values())
    _same(flights.split_flights(one_per_moment), reference.split_flights(one_per_moment))


@pytest.mark.parametrize(
    "name", ["faulty", "faulty-nan-twice", "faulty-gaps", "sparse", "two-days-two-trackers"]
)
def test_the_parts_match_the_reference(name: str) -> None:
    s = FlightSettings()
    for tracker in sorted({f.tracker for f in _case(name)}):
        fixes = [f for f in _case(name) if f.tracker == tracker]
        track = clean.clean_track(fixes, s.clean)
        _same(track, reference.clean_track(fixes, s.clean))
        kept = list(track.fixes)
        _same(clean.reject_glitches(kept, s.clean), reference.reject_glitches(kept, s.clean))
        series, old_series = phases.Series.of(track.fixes), reference.Series.of(track.fixes)
        assert (series.ts, series.alts) == (old_series.ts, old_series.alts)
        for window_s in (s.rate_window_s, 7.0, 600.0):
            fw = phases.forward_rates(series, window_s)
            _same(fw, reference.forward_rates(old_series, window_s))
        fw = phases.forward_rates(series, s.rate_window_s)
        _same(phases.detect_flights(series, fw, s), reference.detect_flights(old_series, fw, s))
        for i in range(0, len(series), 97):
            assert series.last_within(i, 120.0) == old_series.last_within(i, 120.0)


def test_settings_change_nothing_but_the_thresholds() -> None:
    fixes = _case("faulty-gaps")
    for s in (
        FlightSettings(rate_window_s=20.0, climb_rate_mps=0.5, split_gap_s=120.0),
        FlightSettings(float_max_rate_mps=3.0, float_min_s=60.0, float_min_height_m=100.0),
        FlightSettings(clean=dataclasses.replace(FlightSettings().clean, neighbours=1)),
        FlightSettings(clean=dataclasses.replace(FlightSettings().clean, max_vertical_mps=5)),
    ):
        _same(flights.split_flights(fixes, s), reference.split_flights(fixes, s))


@pytest.mark.parametrize("name", ["standard", "faulty-gaps", "float", "integer-altitudes"])
def test_wind_profiles_match_the_reference(name: str) -> None:
    for flight in flights.split_flights(_case(name)):
        for phases_used in (("ascent",), ("descent",), ("ascent", "float", "descent")):
            fixes = flight.fixes_in(*phases_used)
            for band_m, max_step_s in ((250.0, 300.0), (1000.0, 10.0), (37.0, 300.0)):
                new = wind.wind_profile(fixes, band_m, max_step_s)
                _same(new, reference.wind_profile(fixes, band_m, max_step_s))


def test_local_offsets_match_the_scalar_formula() -> None:
    rng = random.Random(3)
    lat0 = [rng.uniform(-89.0, 89.0) for _ in range(2000)]
    lon0 = [rng.uniform(-180.0, 180.0) for _ in range(2000)]
    lat = [a + rng.gauss(0.0, 0.05) for a in lat0]
    lon = [normalize_lon(b + rng.gauss(0.0, 0.05)) for b in lon0]
    lon0[:50] = [179.999] * 50  # across the antimeridian
    lon[:50] = [-179.999] * 50
    east, north = local_offsets_m(lat0, lon0, floats(lat), floats(lon))
    expected = [local_offset_m(*p) for p in zip(lat0, lon0, lat, lon, strict=True)]
    assert list(zip(east.tolist(), north.tolist(), strict=True)) == expected


def test_linear_fit_adds_up_in_order() -> None:
    rng = random.Random(5)
    for size in (2, 3, 10, 100):
        xs = [rng.uniform(0.0, 1e4) for _ in range(size)]
        ys = [rng.uniform(-50.0, 4e4) for _ in range(size)]
        _same(rates.linear_fit(xs, ys), reference.linear_fit(xs, ys))


@pytest.mark.parametrize("name", ["standard", "faulty", "float"])
def test_predictions_match_the_reference(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fixes = sorted(_case(name), key=lambda f: f.time)
    tracker = fixes[0].tracker
    fixes = [f for f in fixes if f.tracker == tracker]
    t0, t1 = fixes[0].time, fixes[-1].time
    moments = [t0 + (t1 - t0) * x for x in (0.2, 0.45, 0.7, 0.9)]
    new = [predict.forecast(fixes, at) for at in moments]
    monkeypatch.setattr(predict, "split_flights", reference.split_flights)
    monkeypatch.setattr(predict, "wind_profile", reference.wind_profile)
    monkeypatch.setattr(predict, "sea_level_descent_rate", reference.sea_level_descent_rate)
    monkeypatch.setattr(predict, "ascent_rate", reference.ascent_rate)
    monkeypatch.setattr(predict, "ground_velocity", reference.ground_velocity)
    old = [predict.forecast(fixes, at) for at in moments]
    _same(new, old)
