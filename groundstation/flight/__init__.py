"""Flight analysis: pure computations on tracks, with no I/O.

- :mod:`.geo`: distances, bearings, local offsets and antenna look angles (WGS84).
- :mod:`.clean`: sort, de-duplicate and de-glitch a tracker's fixes.
- :mod:`.rates`: smoothed vertical rate, ground velocity, sea-level-equivalent descent rate.
- :mod:`.phases` and :mod:`.flights`: split fixes into flights with their phases and statistics.
- :mod:`.wind` and :mod:`.predict`: the balloon's own wind profile, and landing prediction.
- :mod:`.arrays`: fix attributes as numpy arrays for the vectorised steps, which give exactly
  the numbers the plain per-fix loops would (``tests/flight/reference.py`` keeps those loops).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from groundstation.flight.clean import CleanSettings, CleanTrack, clean_track
    from groundstation.flight.flights import (
        BandRate,
        Flight,
        FlightStatus,
        TrackPoint,
        split_flights,
    )
    from groundstation.flight.geo import (
        Enu,
        LookAngles,
        destination,
        enu_offset,
        ground_distance_m,
        initial_bearing_deg,
        local_offset_m,
        look_angles,
        offset_position,
    )
    from groundstation.flight.phases import FlightSettings, Phase
    from groundstation.flight.predict import (
        Forecast,
        Prediction,
        PredictionKind,
        PredictionSettings,
        forecast,
        naive_flight_prediction,
        naive_prediction,
        predict_at,
        predict_flight,
    )
    from groundstation.flight.rates import (
        GroundVelocity,
        ascent_rate,
        ground_velocity,
        sea_level_descent_rate,
    )
    from groundstation.flight.wind import WindBand, WindProfile, wind_profile

# The names below are loaded from their modules when first asked for: a module that needs one
# part (the decoder's plausibility check needs only .geo) does not load the rest, which took
# ~30 ms of a bulk import's decoding process's start (~15 % of it). The modules are searched in
# the order they build on each other, so a name loads its own module and what that needs.
# (Hidden from type checkers, which see the names above: with a module __getattr__ in view,
# mypy would take any name from this package, a misspelt one too, as an object.)
_MODULES = ("geo", "rates", "wind", "clean", "phases", "flights", "predict")

if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        if name in __all__:
            for module in _MODULES:
                found = getattr(importlib.import_module(f"{__name__}.{module}"), name, _MISSING)
                if found is not _MISSING:
                    globals()[name] = found
                    return found
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_MISSING = object()

__all__ = [
    "BandRate",
    "CleanSettings",
    "CleanTrack",
    "Enu",
    "Flight",
    "FlightSettings",
    "FlightStatus",
    "Forecast",
    "GroundVelocity",
    "LookAngles",
    "Phase",
    "Prediction",
    "PredictionKind",
    "PredictionSettings",
    "TrackPoint",
    "WindBand",
    "WindProfile",
    "ascent_rate",
    "clean_track",
    "destination",
    "enu_offset",
    "forecast",
    "ground_distance_m",
    "ground_velocity",
    "initial_bearing_deg",
    "local_offset_m",
    "look_angles",
    "naive_flight_prediction",
    "naive_prediction",
    "offset_position",
    "predict_at",
    "predict_flight",
    "sea_level_descent_rate",
    "split_flights",
    "wind_profile",
]
