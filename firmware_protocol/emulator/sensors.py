"""What a tracker measures and what the receiver hears: the truth plus realistic noise."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from firmware_protocol.atmosphere import pressure_pa, temperature_k
from firmware_protocol.emulator.config import SimulationConfig
from firmware_protocol.emulator.flight import EARTH_RADIUS_M, FlightTruth, move

GPS_HORIZONTAL_SD_M = 2.5  # per axis
GPS_VERTICAL_SD_M = 6.0
GPS_CORRELATION_S = 20.0


@dataclass(frozen=True)
class Report:
    """One report of one tracker, as measured (what goes into a packet)."""

    time: float  # seconds since the simulation start
    tracker: int
    callsign: str
    seq: int
    count: int  # reports sent so far by this tracker, from 1
    fix_time: dt.datetime
    lat: float
    lon: float
    alt_m: float
    speed_mps: float
    course_deg: float | None
    sats: int
    hdop: float
    battery_v: float
    temp_int_c: float
    temp_ext_c: float
    pressure_hpa: float
    uptime_s: int
    rssi_dbm: float
    snr_db: float
    freq_error_hz: int


def _slant_range_m(
    lat1: float, lon1: float, alt1: float, lat2: float, lon2: float, alt2: float
) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    ground = 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
    return math.hypot(ground, alt2 - alt1)


def reports(config: SimulationConfig, index: int, flight: FlightTruth) -> Iterator[Report]:
    """The measured reports of one tracker along its true flight."""
    rng = random.Random(f"{config.seed}:sensors:{index}")
    seq = rng.randrange(65536)  # trackers start anywhere: receivers must handle the wrap
    noise_e = noise_n = noise_u = 0.0
    sats = rng.randint(7, 11)
    temp_int = 20.0 + rng.uniform(-3, 3)
    previous_time: float | None = None
    for count, point in enumerate(flight.points, start=1):
        step = config.interval if previous_time is None else point.time - previous_time
        previous_time = point.time
        phi = math.exp(-step / GPS_CORRELATION_S)
        spread = math.sqrt(1 - phi * phi)
        noise_e = phi * noise_e + spread * rng.gauss(0, GPS_HORIZONTAL_SD_M)
        noise_n = phi * noise_n + spread * rng.gauss(0, GPS_HORIZONTAL_SD_M)
        noise_u = phi * noise_u + spread * rng.gauss(0, GPS_VERTICAL_SD_M)
        lat, lon = move(point.lat, point.lon, noise_e, noise_n)
        east = point.east_mps + rng.gauss(0, 0.1)
        north = point.north_mps + rng.gauss(0, 0.1)
        speed = math.hypot(east, north)
        course = math.degrees(math.atan2(east, north)) % 360.0 if speed > 0.5 else None
        if rng.random() < 0.05:
            sats = min(14, max(5, sats + rng.choice((-1, 1))))
        temp_ext = temperature_k(point.alt) - 273.15 + rng.gauss(0, 0.3)
        # an insulated box with warm electronics: relaxes toward 30 degC above the outside
        relax = 1 - math.exp(-step / 2400.0)
        temp_int += (temp_ext + 30.0 - temp_int) * relax
        uptime = point.time - flight.first_packet_time
        battery = 4.15 - 0.05 * uptime / 3600 - 0.004 * max(0.0, -temp_int) + rng.gauss(0, 0.01)
        distance = max(
            _slant_range_m(
                config.launch_lat,
                config.launch_lon,
                config.launch_alt,
                point.lat,
                point.lon,
                point.alt,
            ),
            10.0,
        )
        path_loss = 20 * math.log10(distance / 1000) + 20 * math.log10(434.0) + 32.44
        rssi = 17.0 - path_loss - (20.0 if point.phase == "landed" else 0.0) + rng.gauss(0, 1.5)
        rssi = min(-20.0, max(-140.0, rssi))
        snr = min(12.0, max(-20.0, rssi + 123.0 + rng.gauss(0, 1.0)))
        yield Report(
            time=point.time,
            tracker=index,
            callsign=flight.callsign,
            seq=seq,
            count=count,
            fix_time=config.start + dt.timedelta(seconds=point.time),
            lat=lat,
            lon=lon,
            alt_m=point.alt + noise_u,
            speed_mps=speed,
            course_deg=course,
            sats=sats,
            hdop=round(0.5 + 4.0 / sats + abs(rng.gauss(0, 0.05)), 1),
            battery_v=battery,
            temp_int_c=temp_int,
            temp_ext_c=temp_ext,
            pressure_hpa=pressure_pa(point.alt) / 100 * (1 + rng.gauss(0, 0.0005)),
            uptime_s=int(uptime),
            rssi_dbm=rssi,
            snr_db=snr,
            freq_error_hz=round(800 - 25 * (temp_int - 20) + rng.gauss(0, 30)),
        )
        seq = (seq + 1) % 65536
