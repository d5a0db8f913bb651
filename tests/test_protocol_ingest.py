"""Our tracker protocol and UKHAS through the whole ingest: attribution, CRC, losses, telemetry."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from firmware_protocol import (
    crc16_ccitt,
    encode_packet,
    encode_radio_report,
    encode_ukhas,
    nmea_sentence,
)
from firmware_protocol.emulator import SimulationConfig, fly, simulate, truth_to_json
from groundstation.decoding.packets import CRC_FAILED, ORPHAN
from groundstation.flight.geo import ground_distance_m
from groundstation.pipeline import LineIngest

T0 = datetime(2024, 6, 1, 10, 0, 0, tzinfo=UTC)


def packet(
    seq: int, callsign: str = "HAB1", alt: float = 1000.0, second: int | None = None
) -> list[str]:
    t = T0.replace(second=seq % 60 if second is None else second)
    return encode_packet(
        callsign,
        seq,
        t,
        52.0 + seq * 1e-4,
        0.1,
        alt,
        5.0,
        90.0,
        9,
        1.0,
        4.1,
        20.5,
        -3.0,
        950.25,
        {"up": str(seq)},
    )


def ingest(lines: list[str]) -> list[Any]:
    ing = LineIngest("test", "radio", live_clock=False)
    data = ("\r\n".join(lines) + "\r\n").encode()
    return ing.feed(data, T0) + ing.finish(T0)


def fixes(decoded: list[Any]) -> list[Any]:
    return [f for d in decoded for f in d.fixes]


def test_a_packet_is_attributed_to_its_callsign_with_telemetry_and_link() -> None:
    lines = packet(1) + [encode_radio_report("HAB1", 1, -87.5, 9.5, -120)]
    out = ingest(lines)
    assert [d.status for d in out] == ["ok"] * 5
    assert {d.tracker for d in out} == {"HAB1"}
    (fix,) = {(f.tracker, f.time, f.alt_m) for f in fixes(out) if f.sentence == "GPGGA"}
    assert fix == ("HAB1", T0.replace(second=1), 1000.0)
    telemetry = out[0].records[0]
    assert (
        telemetry.battery_v,
        telemetry.temp_int_c,
        telemetry.temp_ext_c,
        telemetry.pressure_hpa,
    ) == (4.1, 20.5, -3.0, 950.25)
    assert telemetry.extra == {"up": "1"} and telemetry.seq == 1
    end_link = out[3].records[-1]
    assert (end_link.crc_ok, end_link.seq, end_link.lost_before) == (True, 1, 0)
    radio = out[4].records[0]
    assert (radio.rssi_dbm, radio.snr_db, radio.freq_error_hz) == (-87.5, 9.5, -120.0)


def _damage_keeping_checksum(line: str) -> str:
    """Change one digit of a sentence and fix up its XOR checksum: only the CRC16 can tell."""
    body = line[1 : line.index("*")]
    i = body.index(",1000.0,") + 1
    damaged = body[:i] + "9" + body[i + 1 :]
    return nmea_sentence(damaged)


def test_a_damaged_line_that_passes_its_xor_is_caught_by_the_packet_crc() -> None:
    bad = packet(2)
    bad[1] = _damage_keeping_checksum(bad[1])  # GGA altitude 1000.0 -> 9000.0, valid XOR
    out = ingest(packet(1) + bad + packet(3))
    damaged = out[4:8]
    assert all(d.status == "rejected" and d.reason == CRC_FAILED for d in damaged)
    assert [f.time.second for f in fixes(out)].count(2) == 0
    # the packets around it are unharmed, and the damage did not poison later checks
    assert {f.time.second for f in fixes(out)} == {1, 3}
    assert {f.alt_m for f in fixes(out)} == {1000.0, None}  # GGA has it, RMC has none
    assert damaged[-1].records[-1].crc_ok is False


def test_sequence_gaps_count_lost_packets_and_duplicates_do_not() -> None:
    out = ingest(packet(1) + packet(2) + packet(6) + packet(6) + packet(7))
    links = [r for d in out for r in d.records if type(r).__name__ == "LinkQuality"]
    assert [(link.seq, link.lost_before) for link in links] == [
        (1, 0),
        (2, 0),
        (6, 3),
        (6, 0),
        (7, 0),
    ]


def test_lines_whose_header_was_lost_are_claimed_by_the_end_line() -> None:
    headless = packet(2)[1:]  # the PHABT line never arrived
    out = ingest(packet(1) + headless)
    assert {f.tracker for f in fixes(out)} == {"HAB1"}
    assert sorted({f.time.second for f in fixes(out)}) == [1, 2]
    assert out[-1].records[-1].crc_ok is None  # nothing to check the CRC against


def test_lines_with_neither_header_nor_end_belong_to_no_tracker() -> None:
    orphan = packet(2)[1:3]
    out = ingest(packet(1) + orphan + packet(3))
    rejected = [d for d in out if d.status == "rejected"]
    assert [d.reason for d in rejected] == [ORPHAN, ORPHAN]
    assert all(f.tracker == "HAB1" for f in fixes(out))
    assert "radio" not in {f.tracker for f in fixes(out)}


def test_a_packet_without_its_end_line_is_judged_by_its_own_checksums() -> None:
    out = ingest(packet(1)[:3] + packet(2))
    assert {f.time.second for f in fixes(out)} == {1, 2}
    header_link = out[0].records[-1]
    assert header_link.crc_ok is None and header_link.seq == 1


def test_ukhas_sentences_with_good_and_bad_crc() -> None:
    good = encode_ukhas("UKHAB", 41, T0.replace(second=5), 52.1, -1.5, 12345.0, ("7", "-12.5"))
    body = good[2 : good.index("*")]
    bad = f"$${body}*{(crc16_ccitt(body.encode()) ^ 0x0100):04X}"
    out = ingest([good, bad])
    assert out[0].status == "ok" and out[0].tracker == "UKHAB"
    (fix,) = out[0].fixes
    assert (fix.lat, fix.lon, fix.alt_m, fix.time) == (52.1, -1.5, 12345.0, T0.replace(second=5))
    assert out[0].records[1].crc_ok is True and out[0].records[2].extra == {
        "field7": "7",
        "field8": "-12.5",
    }
    assert (out[1].status, out[1].reason) == ("rejected", "bad CRC16")


@pytest.fixture(scope="module")
def two_tracker_flight(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    config = SimulationConfig(trackers=2, seed=11, interval=2.0)
    flights = fly(config)
    folder = tmp_path_factory.mktemp("flight")
    log = folder / "flight.log"
    log.write_bytes(b"".join(chunk for _, chunk in simulate(config, flights)))
    return log, truth_to_json(config, flights)


def test_an_emulated_flight_lands_in_the_database_as_it_really_flew(
    two_tracker_flight: tuple[Path, dict[str, Any]], cli: Any, db_path: Path
) -> None:
    log, truth = two_tracker_flight
    assert cli("import", str(log)).exit_code == 0
    con = sqlite3.connect(db_path)
    for tracker in truth["trackers"]:
        name, events = tracker["callsign"], tracker["events"]
        (max_alt, burst_time) = con.execute(
            "SELECT alt_m, time FROM fixes f JOIN trackers t ON t.id = f.tracker_id"
            " WHERE t.name = ? ORDER BY alt_m DESC LIMIT 1",
            (name,),
        ).fetchone()
        assert abs(max_alt - events["burst_alt"]) < 30, f"{name}: max altitude {max_alt}"
        burst_truth = datetime.fromisoformat(events["burst_utc"])
        seen = datetime.fromisoformat(burst_time.replace("Z", "+00:00"))
        assert abs((seen - burst_truth).total_seconds()) <= 4, f"{name}: burst at {seen}"
        (lat, lon) = con.execute(
            "SELECT lat, lon FROM fixes f JOIN trackers t ON t.id = f.tracker_id WHERE t.name = ?"
            " ORDER BY time DESC LIMIT 1",
            (name,),
        ).fetchone()
        assert ground_distance_m(lat, lon, events["landing_lat"], events["landing_lon"]) < 50
        n_tel, n_link, bad = con.execute(
            "SELECT (SELECT count(*) FROM telemetry WHERE tracker_id = t.id),"
            " (SELECT count(rssi_dbm) FROM link WHERE tracker_id = t.id),"
            " (SELECT count(*) FROM raw_lines WHERE tracker_id = t.id AND status = 'rejected')"
            " FROM trackers t WHERE name = ?",
            (name,),
        ).fetchone()
        assert n_tel > 1000 and n_link == n_tel and bad == 0
    assert con.execute("SELECT count(*) FROM trackers").fetchone() == (2,)


def test_a_noisy_link_loses_packets_but_every_line_is_accounted_for(
    tmp_path: Path, cli: Any, db_path: Path
) -> None:
    config = SimulationConfig(
        trackers=2, seed=5, interval=2.0, loss=0.05, bit_errors=2e-5, truncate=0.02, noise=0.02
    )
    log = tmp_path / "noisy.log"
    log.write_bytes(b"".join(chunk for _, chunk in simulate(config)))
    assert cli("import", str(log)).exit_code == 0
    status = json.loads(cli("status", "--json").output)
    names = {t["name"] for t in status["trackers"]}
    assert {"EMU1", "EMU2"} <= names and len(names) <= 3  # plus the link's own name for noise
    (source,) = status["sources"]
    framed = log.read_bytes().replace(b"\r", b"\n").split(b"\n")
    assert source["lines"] >= sum(1 for line in framed if line)
    assert source["rejects_by_reason"].get(CRC_FAILED, 0) > 0
    con = sqlite3.connect(db_path)
    lost = dict(
        con.execute(
            "SELECT t.name, sum(lost_before) FROM link l JOIN trackers t"
            " ON t.id = l.tracker_id GROUP BY 1"
        ).fetchall()
    )
    packets = dict(
        con.execute(
            "SELECT t.name, count(*) FROM telemetry te JOIN trackers t ON t.id = te.tracker_id"
            " GROUP BY 1"
        ).fetchall()
    )
    for t in ("EMU1", "EMU2"):  # 5% loss configured, plus the packets damaged beyond use
        assert 0.02 < lost[t] / packets[t] < 0.15, f"{t}: {lost[t]} lost of {packets[t]}"
