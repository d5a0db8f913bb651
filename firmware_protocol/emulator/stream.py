"""The emulator's output: the byte stream a ground station's serial port would receive."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Iterator

from firmware_protocol.emulator.config import SimulationConfig
from firmware_protocol.emulator.flight import FlightTruth, fly
from firmware_protocol.emulator.link import flip_bits, receiver_noise, truncate_line
from firmware_protocol.emulator.sensors import Report, reports
from firmware_protocol.fields import fixed, quantise
from firmware_protocol.nmea_fix import encode_nmea_fix
from firmware_protocol.packet import encode_packet
from firmware_protocol.proprietary import encode_radio_report
from firmware_protocol.ukhas import encode_ukhas


def tracker_lines(config: SimulationConfig, report: Report) -> list[str]:
    """The lines a tracker transmits for one report, in the configured format."""
    if config.output_format == "habp":
        return encode_packet(
            report.callsign,
            report.seq,
            report.fix_time,
            report.lat,
            report.lon,
            report.alt_m,
            report.speed_mps,
            report.course_deg,
            report.sats,
            report.hdop,
            report.battery_v,
            report.temp_int_c,
            report.temp_ext_c,
            report.pressure_hpa,
            {"up": str(report.uptime_s)},
        )
    if config.output_format == "nmea":
        return encode_nmea_fix(
            report.fix_time,
            report.lat,
            report.lon,
            report.alt_m,
            report.speed_mps,
            report.course_deg,
            report.sats,
            report.hdop,
        )
    extras = (
        str(report.sats),
        fixed(quantise(report.temp_int_c, 1, "temperature"), 1),
        fixed(quantise(report.temp_ext_c, 1, "temperature"), 1),
        fixed(quantise(report.battery_v, 2, "battery"), 2),
        fixed(quantise(report.pressure_hpa, 2, "pressure"), 2),
    )
    return [
        encode_ukhas(
            report.callsign,
            report.count,
            report.fix_time,
            report.lat,
            report.lon,
            report.alt_m,
            extras,
        )
    ]


def simulate(
    config: SimulationConfig, flights: list[FlightTruth] | None = None
) -> Iterator[tuple[float, bytes]]:
    """Yield (emulated seconds since start, bytes received) for every packet, in time order.

    Pass the flights from :func:`fly` to reuse them (e.g. to write the truth as well).
    """
    problems = config.problems()
    if problems:
        raise ValueError(problems[0])
    if flights is None:
        flights = fly(config)
    streams = [reports(config, index, flight) for index, flight in enumerate(flights)]
    merged = heapq.merge(*streams, key=lambda r: (r.time, r.tracker))
    return over_the_air(config, merged, random.Random(f"{config.seed}:link"))


def over_the_air(
    config: SimulationConfig, merged: Iterable[Report], rng: random.Random
) -> Iterator[tuple[float, bytes]]:
    """What a receiver hears of reports in time order: the link faults of ``config`` applied
    with ``rng``, and (in the habp format) the receiver's own report after each packet."""
    for report in merged:
        lost = rng.random() < config.loss
        noise = receiver_noise(rng) if rng.random() < config.noise else b""
        if lost:
            if noise:
                yield report.time, noise
            continue
        lines = [line.encode("ascii") + b"\r\n" for line in tracker_lines(config, report)]
        if rng.random() < config.truncate:
            lines = truncate_line(lines, rng)
        data = flip_bits(b"".join(lines), config.bit_errors, rng)
        if config.output_format == "habp":
            radio = encode_radio_report(
                report.callsign,
                report.seq,
                round(report.rssi_dbm, 1),
                round(report.snr_db, 1),
                report.freq_error_hz,
            )
            data += radio.encode("ascii") + b"\r\n"
        yield report.time, noise + data
