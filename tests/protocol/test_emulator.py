from __future__ import annotations

import json
import math
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pynmea2
import pytest
import serial
from click.testing import CliRunner

from firmware_protocol import (
    PacketChecker,
    SequenceTracker,
    TelemetryHeader,
    decode_proprietary,
    decode_ukhas,
    verify_nmea,
)
from firmware_protocol.emulator import SimulationConfig, fly, simulate
from groundstation.cli_simulate import simulate as simulate_command

SHORT = SimulationConfig(burst_altitude=2_000.0, ascent_rate=8.0, landed_duration=20.0)


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def _stream(config: SimulationConfig) -> bytes:
    return b"".join(data for _, data in simulate(config))


class Flight:
    """A default 30 km flight, as a ground station would read it."""

    def __init__(self) -> None:
        self.config = SimulationConfig(seed=3)
        (self.truth,) = fly(self.config)
        self.chunks = list(simulate(self.config, [self.truth]))
        self.verdicts = []
        self.fixes: list[tuple[float, float, float, float]] = []  # time, lat, lon, alt
        checker = PacketChecker()
        for emulated, data in self.chunks:
            for line in data.split(b"\r\n")[:-1]:
                verify_nmea(line.decode())
                verdict = checker.feed(line)
                if verdict is not None:
                    self.verdicts.append(verdict)
                if line.startswith(b"$GPGGA"):
                    gga = pynmea2.parse(line.decode(), check=True)
                    self.fixes.append((emulated, gga.latitude, gga.longitude, gga.altitude))


@pytest.fixture(scope="module")
def flight() -> Flight:
    return Flight()


def _rate(fixes: list[tuple[float, float, float, float]], start: float, end: float) -> float:
    window = [(t, alt) for t, _, _, alt in fixes if start <= t <= end]
    (t0, a0), (t1, a1) = window[0], window[-1]
    return (a1 - a0) / (t1 - t0)


def test_same_seed_same_bytes_other_seed_other_flight() -> None:
    faulty = replace(SHORT, loss=0.1, bit_errors=1e-4, truncate=0.05, noise=0.05, trackers=2)
    assert _stream(faulty) == _stream(faulty)
    assert _stream(faulty) != _stream(replace(faulty, seed=2))


def test_every_packet_is_intact_without_faults(flight: Flight) -> None:
    assert len(flight.verdicts) == len(flight.truth.points)
    assert all(verdict.ok for verdict in flight.verdicts)
    tracker = SequenceTracker()
    for verdict in flight.verdicts:
        assert verdict.callsign is not None and verdict.seq is not None
        tracker.observe(verdict.callsign, verdict.seq)
    stats = tracker.stats("EMU1")
    assert stats is not None and (stats.lost, stats.restarts) == (0, 0)


def test_ascent_and_burst_at_the_configured_altitude(flight: Flight) -> None:
    events = flight.truth.events
    assert events.burst_alt == 30_000.0
    highest = max(alt for *_, alt in flight.fixes)
    assert abs(highest - 30_000.0) < 50  # GPS noise only
    assert events.burst_time is not None
    assert 4.5 < _rate(flight.fixes, events.launch_time + 60, events.burst_time - 60) < 6.0


def test_descent_is_fast_after_burst_and_slow_near_the_ground(flight: Flight) -> None:
    events = flight.truth.events
    assert events.burst_time is not None and events.landing_time is not None
    after_burst = _rate(flight.fixes, events.burst_time + 2, events.burst_time + 22)
    assert -46 < after_burst < -35  # ~40 m/s in the thin air at 30 km
    near_ground = _rate(flight.fixes, events.landing_time - 62, events.landing_time - 2)
    assert -6.0 < near_ground < -4.3  # ~5 m/s at sea level


def test_lands_at_ground_altitude_downwind(flight: Flight) -> None:
    events = flight.truth.events
    assert events.landing_time is not None
    landed = [alt for t, _, _, alt in flight.fixes if t > events.landing_time + 1]
    assert len(landed) >= 55  # a minute of packets on the ground
    assert abs(sorted(landed)[len(landed) // 2] - flight.config.launch_alt) < 15
    _, lat, lon, _ = flight.fixes[-1]
    assert events.landing_lat is not None and events.landing_lon is not None
    assert _distance_km(lat, lon, events.landing_lat, events.landing_lon) < 0.05
    drift = _distance_km(flight.config.launch_lat, flight.config.launch_lon, lat, lon)
    assert 20 < drift < 400  # the jet stream carries it tens of km


def test_several_trackers_never_interleave() -> None:
    config = replace(SHORT, trackers=3)
    flights = fly(config)
    assert [f.callsign for f in flights] == ["EMU1", "EMU2", "EMU3"]
    assert len({(f.launch_lat, f.launch_lon) for f in flights}) == 3
    launches = [f.events.launch_time for f in flights]
    assert launches == sorted(launches) and len(set(launches)) == 3
    counts = dict.fromkeys(["EMU1", "EMU2", "EMU3"], 0)
    for _, data in simulate(config, flights):
        lines = data.split(b"\r\n")[:-1]
        assert [line[:6] for line in lines] == [
            b"$PHABT",
            b"$GPGGA",
            b"$GPRMC",
            b"$PHABE",
            b"$PHABR",
        ]
        header = decode_proprietary(lines[0].decode())
        assert {decode_proprietary(lines[i].decode()).callsign for i in (3, 4)} == {header.callsign}
        counts[header.callsign] += 1
    assert counts == {f.callsign: len(f.points) for f in flights}


def test_loss_rate_is_roughly_honoured() -> None:
    config = replace(SHORT, loss=0.2, trackers=2)
    sent = sum(len(f.points) for f in fly(config))
    tracker = SequenceTracker()
    received = 0
    for _, data in simulate(config):
        header = decode_proprietary(data.split(b"\r\n")[0].decode())
        tracker.observe(header.callsign, header.seq)
        received += 1
    assert 0.75 < received / sent < 0.85
    lost = sum(s.lost for c in tracker.callsigns() if (s := tracker.stats(c)) is not None)
    assert sent - received - 2 <= lost <= sent - received  # only losses at the very end go unseen


def test_corrupted_packets_are_never_accepted_as_good() -> None:
    clean = {}
    for _, data in simulate(SHORT):
        lines = data.split(b"\r\n")[:-2]  # without the receiver's PHABR
        header = decode_proprietary(lines[0].decode())
        clean[header.seq] = lines
    faulty = replace(SHORT, bit_errors=2e-4, truncate=0.05, noise=0.05)
    stream = _stream(faulty)
    assert b"\x00" in stream  # receiver noise
    checker = PacketChecker()
    current: list[bytes] = []
    good = bad = 0
    for line in stream.split(b"\n"):
        line = line.rstrip(b"\r")
        current = [line] if line.startswith(b"$PHABT") else [*current, line]
        verdict = checker.feed(line)
        if verdict is None:
            continue
        if verdict.ok:
            good += 1
            assert verdict.seq is not None and current == clean[verdict.seq]
        else:
            bad += 1
    assert good > 0.5 * len(clean) and bad > 0


def test_nmea_and_ukhas_formats() -> None:
    nmea = _stream(replace(SHORT, output_format="nmea")).split(b"\r\n")[:-1]
    assert {line[:6] for line in nmea} == {b"$GPGGA", b"$GPRMC"}
    ukhas = _stream(replace(SHORT, output_format="ukhas", trackers=2)).split(b"\r\n")[:-1]
    sentences = [decode_ukhas(line.decode()) for line in ukhas]
    assert {s.callsign for s in sentences} == {"EMU1", "EMU2"}
    assert max(s.alt_m or 0 for s in sentences) == pytest.approx(2_000, abs=50)


def test_cli_writes_the_stream_and_the_truth(tmp_path: Path) -> None:
    out, truth = tmp_path / "flight.log", tmp_path / "truth.json"
    args = ["--burst-altitude", "2000", "--ascent-rate", "8", "--trackers", "2", "--seed", "5"]
    result = CliRunner().invoke(simulate_command, [*args, "-o", str(out), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    stdout = CliRunner().invoke(simulate_command, args)
    assert stdout.stdout_bytes == out.read_bytes()  # same seed: stdout and file agree
    data = json.loads(truth.read_text())
    assert [t["callsign"] for t in data["trackers"]] == ["EMU1", "EMU2"]
    events = data["trackers"][0]["events"]
    assert events["burst_alt"] == 2000 and events["landing_utc"].startswith("2024-06-01T")
    phases = {p["phase"] for p in data["trackers"][0]["points"]}
    assert phases == {"prelaunch", "ascent", "descent", "landed"}
    headers = [line for line in out.read_bytes().split(b"\r\n") if line.startswith(b"$PHABT")]
    assert len(headers) == sum(len(t["points"]) for t in data["trackers"])
    first = decode_proprietary(headers[0].decode())
    assert isinstance(first, TelemetryHeader) and first.time is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--launch", "52.2,0.1"], "LAT,LON,ALT"),
        (["--format", "nmea", "--trackers", "2"], "only one tracker"),
        (["--loss", "1.5"], "Loss rate must be between 0 and 1"),
        (["--start", "yesterday"], "ISO"),
        (["--burst-altitude", "10"], "Burst altitude"),
    ],
)
def test_cli_rejects_bad_arguments_plainly(args: list[str], message: str) -> None:
    result = CliRunner().invoke(simulate_command, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_help_has_an_example() -> None:
    assert simulate_command.help is not None and "groundstation simulate" in simulate_command.help


def test_pty_delivers_bytes_to_a_serial_reader_and_stops_on_ctrl_c() -> None:
    code = "from groundstation.cli_simulate import simulate; simulate()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--pty", "--speed", "50", "--interval", "0.5"],
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stderr is not None
        ready, _, _ = select.select([proc.stderr], [], [], 15)
        assert ready, "no serial port announced"
        announced = proc.stderr.readline().decode()
        assert announced.startswith("Serial port: /dev/")
        path = announced.split(": ", 1)[1].strip()
        time.sleep(0.3)  # let some data pile up before anybody reads: must not block or crash
        port = serial.Serial(path, 9600, timeout=0.2)
        try:
            received = b""
            deadline = time.monotonic() + 15
            while received.count(b"$PHABE") < 3 and time.monotonic() < deadline:
                received += port.read(4096)
        finally:
            port.close()  # the reader goes away; the emulator must keep going
        lines = [line for line in received.split(b"\r\n") if line.startswith(b"$PHAB")]
        assert any(
            isinstance(decode_proprietary(line.decode()), TelemetryHeader) for line in lines[1:]
        )
        time.sleep(0.3)
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        assert proc.returncode == 130
        assert b"Stopped." in err and b"Traceback" not in err
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
