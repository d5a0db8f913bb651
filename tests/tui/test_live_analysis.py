"""The live view analyses a thinned copy of a long track: it must name the burst the whole
track gives (the map and ``flights`` read the whole track), not a fix a few metres lower."""

from __future__ import annotations

import pytest

from groundstation.flight import split_flights
from groundstation.models import Decoded, Fix
from groundstation.tui.analysis import thin


def tracks(records: list[Decoded]) -> dict[str, list[Fix]]:
    """Each tracker's fixes with an altitude (one an epoch: its GGA), in time order."""
    out: dict[str, dict[object, Fix]] = {}
    for d in records:
        for fix in d.fixes:
            if fix.alt_m is not None:
                out.setdefault(fix.tracker, {}).setdefault(fix.time, fix)
    return {name: sorted(by_time.values(), key=lambda f: f.time) for name, by_time in out.items()}


@pytest.mark.parametrize("points", [40, 100, 150])
def test_a_thinned_track_has_the_whole_tracks_burst(
    flight_records: list[Decoded], points: int
) -> None:
    missed_by_even_spacing = 0
    for name, fixes in tracks(flight_records).items():
        assert len(fixes) > 3 * points, name
        whole = split_flights(fixes)[-1]
        thinned = thin(fixes, points)
        assert len(thinned) <= points + 4
        seen = split_flights(thinned)[-1]
        assert whole.burst is not None and seen.burst is not None
        assert (seen.burst.time, seen.burst.alt_m) == (whole.burst.time, whole.burst.alt_m)
        assert seen.max_alt_m == whole.max_alt_m
        step = (fixes[-1].time - fixes[0].time).total_seconds() / points
        even = {fixes[0].time}
        last = fixes[0].time
        for fix in fixes:
            if (fix.time - last).total_seconds() >= step:
                even.add(fix.time)
                last = fix.time
        missed_by_even_spacing += whole.burst.time not in even
    assert missed_by_even_spacing  # (evenly spaced fixes alone would name another burst)
