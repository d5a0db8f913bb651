"""Cleaning a track, and the flight package's import boundaries."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from datetime import timedelta

from synth import START, standard_flight

from groundstation.flight.clean import clean_track
from groundstation.flight.flights import split_flights
from groundstation.models import Fix


def test_duplicates_and_missing_altitudes_are_counted() -> None:
    fixes = standard_flight().fixes[:100]
    no_alt = Fix("HAB1", START + timedelta(hours=5), 52.2, 0.1)
    track = clean_track([*fixes, *fixes[:10], no_alt])
    assert track.fixes == tuple(fixes)
    assert track.duplicates == 10
    assert track.without_altitude == 1
    assert track.rejected == ()


def test_a_fix_with_altitude_wins_over_one_without_at_the_same_time() -> None:
    fix = standard_flight().fixes[50]
    bare = dataclasses.replace(fix, alt_m=None, sentence="RMC")
    fixes = list(standard_flight().fixes[:100])
    assert clean_track([bare, *fixes]).fixes == clean_track([*fixes, bare]).fixes == tuple(fixes)


def test_impossible_values_are_rejected() -> None:
    fixes = list(standard_flight().fixes[:100])
    fixes[10] = dataclasses.replace(fixes[10], alt_m=math.nan)
    fixes[20] = dataclasses.replace(fixes[20], alt_m=-2_000.0)
    fixes[30] = dataclasses.replace(fixes[30], lat=math.inf)
    track = clean_track(fixes)
    assert len(track.fixes) == 97
    assert set(track.rejected) == {fixes[10], fixes[20], fixes[30]}


def test_tiny_inputs() -> None:
    assert clean_track([]).fixes == ()
    assert split_flights([]) == []
    assert split_flights(standard_flight().fixes[:2]) == []


def test_flight_analysis_loads_no_ui_storage_or_map_libraries() -> None:
    code = (
        "import sys, groundstation.flight, groundstation.flight.predict; "
        "bad = {'textual', 'folium', 'sqlite3', 'sqlite_utils', 'serial'} & set(sys.modules); "
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
