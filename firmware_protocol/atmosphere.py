"""The 1976 U.S. Standard Atmosphere (the ICAO standard up to 86 km), as pure functions.

Used by the tracker emulator (parachute descent speed follows air density) and by the ground
station's flight analysis (sea-level-equivalent descent rates, descent prediction). Altitudes are
geopotential metres above mean sea level; below -500 m and above 86 km the edge layer's law is
extended, which is good enough for a balloon.
"""

from __future__ import annotations

import math

G0 = 9.80665  # m/s^2
R_AIR = 287.05287  # J/(kg K), specific gas constant of dry air
SEA_LEVEL_TEMPERATURE_K = 288.15
SEA_LEVEL_PRESSURE_PA = 101_325.0
SEA_LEVEL_DENSITY = SEA_LEVEL_PRESSURE_PA / (R_AIR * SEA_LEVEL_TEMPERATURE_K)  # ~1.225 kg/m^3

# (base altitude m, lapse rate K/m) for each layer; base temperature and pressure are derived.
_LAYERS: tuple[tuple[float, float], ...] = (
    (0.0, -0.0065),
    (11_000.0, 0.0),
    (20_000.0, 0.001),
    (32_000.0, 0.0028),
    (47_000.0, 0.0),
    (51_000.0, -0.0028),
    (71_000.0, -0.002),
)


def _layer_bases() -> tuple[tuple[float, float, float, float], ...]:
    """(base altitude, lapse, base temperature, base pressure) for each layer."""
    bases = []
    temperature = SEA_LEVEL_TEMPERATURE_K
    pressure = SEA_LEVEL_PRESSURE_PA
    for i, (base, lapse) in enumerate(_LAYERS):
        bases.append((base, lapse, temperature, pressure))
        if i + 1 < len(_LAYERS):
            top = _LAYERS[i + 1][0]
            temperature, pressure = _step(top - base, lapse, temperature, pressure)
    return tuple(bases)


def _step(dh: float, lapse: float, t0: float, p0: float) -> tuple[float, float]:
    if lapse == 0.0:
        return t0, p0 * math.exp(-G0 * dh / (R_AIR * t0))
    t = t0 + lapse * dh
    return t, p0 * (t / t0) ** (-G0 / (lapse * R_AIR))


_BASES = _layer_bases()


def temperature_pressure(alt_m: float) -> tuple[float, float]:
    """Temperature (K) and pressure (Pa) at a geopotential altitude."""
    layer = _BASES[0]
    for candidate in _BASES:
        if alt_m >= candidate[0]:
            layer = candidate
        else:
            break
    base, lapse, t0, p0 = layer
    return _step(alt_m - base, lapse, t0, p0)


def temperature_k(alt_m: float) -> float:
    return temperature_pressure(alt_m)[0]


def pressure_pa(alt_m: float) -> float:
    return temperature_pressure(alt_m)[1]


def density(alt_m: float) -> float:
    """Air density in kg/m^3."""
    t, p = temperature_pressure(alt_m)
    return p / (R_AIR * t)


def descent_rate_at(alt_m: float, sea_level_rate_mps: float) -> float:
    """Terminal descent speed under a parachute at an altitude, from its sea-level speed.

    Drag balances weight, so speed scales with 1/sqrt(density).
    """
    return sea_level_rate_mps * math.sqrt(SEA_LEVEL_DENSITY / density(alt_m))


def sea_level_equivalent_rate(alt_m: float, rate_mps: float) -> float:
    """The sea-level speed that a measured descent speed at an altitude corresponds to."""
    return rate_mps * math.sqrt(density(alt_m) / SEA_LEVEL_DENSITY)


def altitude_for_pressure(pressure: float) -> float:
    """Inverse of :func:`pressure_pa` (for trackers that report only pressure)."""
    lo, hi = -1_000.0, 86_000.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if pressure_pa(mid) > pressure:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
