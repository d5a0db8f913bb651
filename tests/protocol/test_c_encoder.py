"""The C reference encoder must produce exactly the bytes of the Python encoder."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_protocol import PacketChecker, decode_proprietary, encode_packet, to_wire

C_DIR = Path(__file__).resolve().parents[2] / "firmware_protocol" / "c"

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc)")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    binary = tmp_path_factory.mktemp("c") / "example_main"
    subprocess.run(
        [
            "cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2",
            "-o", str(binary), str(C_DIR / "example_main.c"), str(C_DIR / "habproto.c"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return binary


Values = dict[str, Any]  # C argument name -> integer, datetime, text or None


def c_packet(binary: Path, values: Values) -> bytes:
    def arg(key: str) -> str:
        value = values[key]
        return "-" if value is None else str(value)

    when: dt.datetime | None = values["time"]
    time_arg = "-" if when is None else f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond // 10000:02d}"
    keys = ("lat_e7", "lon_e7", "alt_dm", "speed_cmps", "course_ddeg", "sats", "hdop_d",
            "battery_cv", "temp_int_dc", "temp_ext_dc", "pressure_pa")  # fmt: skip
    argv = [str(binary), arg("callsign"), arg("seq"), time_arg, *(arg(k) for k in keys)]
    if values.get("extras"):
        argv.append(str(values["extras"]))
    return subprocess.run(argv, check=True, capture_output=True).stdout


def python_packet(v: Values) -> bytes:
    """The same packet from the Python encoder, given the values in their natural units."""

    def scaled(key: str, scale: float) -> float | None:
        value: int | None = v[key]
        return None if value is None else value / scale

    extras = dict(pair.split("=") for pair in v["extras"].split(";")) if v["extras"] else {}
    return to_wire(
        encode_packet(
            v["callsign"],
            v["seq"],
            v["time"],
            scaled("lat_e7", 1e7),
            scaled("lon_e7", 1e7),
            scaled("alt_dm", 10),
            scaled("speed_cmps", 100),
            scaled("course_ddeg", 10),
            v["sats"],
            scaled("hdop_d", 10),
            scaled("battery_cv", 100),
            scaled("temp_int_dc", 10),
            scaled("temp_ext_dc", 10),
            scaled("pressure_pa", 100),
            extras,
        )
    )


EXAMPLE: Values = {
    "callsign": "HAB1", "seq": 42, "time": dt.datetime(2024, 6, 1, 10, 15, 30, 250000),
    "lat_e7": 522123456, "lon_e7": -1234567, "alt_dm": 123456, "speed_cmps": 730,
    "course_ddeg": 873, "sats": 9, "hdop_d": 9, "battery_cv": 405, "temp_int_dc": 123,
    "temp_ext_dc": -456, "pressure_pa": 18725, "extras": "up=600",
}  # fmt: skip


def test_the_worked_example_of_the_spec(example: Path) -> None:
    packet = c_packet(example, EXAMPLE)
    assert packet == python_packet(EXAMPLE)
    assert packet.split(b"\r\n")[3] == b"$PHABE,HAB1,42,ECBD*0E"


def test_missing_values_and_southern_hemisphere(example: Path) -> None:
    values = {key: None for key in EXAMPLE} | {"callsign": "S-1", "seq": 0, "extras": ""}
    assert c_packet(example, values) == python_packet(values)
    south = EXAMPLE | {"lat_e7": -338688000, "lon_e7": 1512093000, "time": None, "alt_dm": -50}
    assert c_packet(example, south) == python_packet(south)


def _opt(strategy: st.SearchStrategy[int]) -> st.SearchStrategy[int | None]:
    return st.none() | strategy


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.fixed_dictionaries(
        {
            "callsign": st.text("ABCXYZabz019_-", min_size=1, max_size=16),
            "seq": st.integers(0, 65535),
            "time": st.none()
            | st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2068, 12, 31)).map(
                lambda t: t.replace(microsecond=t.microsecond // 10000 * 10000)
            ),
            "lat_e7": st.integers(-900_000_000, 900_000_000),
            "lon_e7": st.integers(-1_800_000_000, 1_800_000_000),
            "alt_dm": _opt(st.integers(-5_000, 600_000)),
            "speed_cmps": _opt(st.integers(0, 100_000)),
            "course_ddeg": _opt(st.integers(0, 3599)),
            "sats": _opt(st.integers(0, 99)),
            "hdop_d": _opt(st.integers(0, 999)),
            "battery_cv": _opt(st.integers(0, 10_000)),
            "temp_int_dc": _opt(st.integers(-1000, 1500)),
            "temp_ext_dc": _opt(st.integers(-1000, 1500)),
            "pressure_pa": _opt(st.integers(0, 120_000)),
            "extras": st.sampled_from(["", "up=1", "rad=12;fw=1.2.3", "note=Hello world"]),
        }
    )
)
def test_c_and_python_encoders_agree_byte_for_byte(
    example: Path, values: dict[str, object]
) -> None:
    packet = c_packet(example, values)
    assert packet == python_packet(values)
    lines = packet.split(b"\r\n")[:-1]
    checker = PacketChecker()
    verdict = [checker.feed(line) for line in lines][-1]
    assert verdict is not None and verdict.ok
    header = decode_proprietary(lines[0].decode())
    assert header.seq == values["seq"]
