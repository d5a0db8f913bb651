from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocol import nmea_sentence as nmea
from groundstation.decoding.nmea import StreamDecoder
from groundstation.models import Decoded, RawLine

RECEIVED = datetime(2024, 6, 1, 12, 0, 5, tzinfo=UTC)
TALKERS = ["GP", "GN", "GL", "GA", "GB", "BD", "GQ"]


def decode(
    *sentences: str | bytes, live: bool = True, received: datetime = RECEIVED
) -> list[Decoded]:
    decoder = StreamDecoder("balloon")
    out = []
    for n, s in enumerate(sentences, 1):
        data = s.encode() if isinstance(s, str) else s
        out.append(decoder.decode(RawLine("test", n, received, data, live)))
    return out


def gga(talker: str = "GP", t: str = "120000.00", quality: str = "1", alt: str = "1144.8") -> str:
    return nmea(f"{talker}GGA,{t},4404.13387,N,12118.85628,W,{quality},12,1.01,{alt},M,-21.4,M,,")


def rmc(talker: str = "GP", t: str = "120000.00", status: str = "A", day: str = "010624") -> str:
    return nmea(f"{talker}RMC,{t},{status},4404.13387,N,12118.85628,W,9.72,84.4,{day},,,A")


@pytest.mark.parametrize("talker", TALKERS)
def test_gga_rmc_gns_gll_from_every_talker_give_positions(talker: str) -> None:
    lines = [
        gga(talker),
        rmc(talker),
        nmea(f"{talker}GNS,120001.00,4404.13387,N,12118.85628,W,AAN,14,0.9,1150.0,-21.4,,"),
        nmea(f"{talker}GLL,4404.13387,N,12118.85628,W,120002.00,A,A"),
    ]
    results = decode(*lines)
    assert [r.status for r in results] == ["ok"] * 4
    fixes = [r.fixes[0] for r in results]
    for fix in fixes:
        assert fix.lat == pytest.approx(44.0688978333, abs=1e-9)
        assert fix.lon == pytest.approx(-121.314271333, abs=1e-9)
    assert fixes[0].alt_m == 1144.8 and fixes[0].sats == 12 and isinstance(fixes[0].sats, int)
    assert fixes[0].hdop == 1.01 and fixes[0].quality == 1
    assert fixes[1].speed_mps == pytest.approx(9.72 * 1852 / 3600)
    assert fixes[1].course_deg == 84.4
    assert fixes[2].alt_m == 1150.0 and fixes[2].sats == 14
    assert fixes[3].time == datetime(2024, 6, 1, 12, 0, 2, tzinfo=UTC)
    assert results[0].sentence == f"{talker}GGA"


def test_vtg_completes_the_epoch_and_zda_sets_the_date() -> None:
    zda = nmea("GPZDA,235959.00,31,12,2023,00,00")
    vtg = nmea("GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A")
    results = decode(zda, gga(t="235959.50"), vtg, live=False)
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    assert results[0].records == ()
    fix = results[1].fixes[0]
    assert fix.time == datetime(2023, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)
    merged = results[2].fixes[0]
    assert merged.time == fix.time and merged.alt_m == 1144.8
    assert merged.speed_mps == pytest.approx(10.2 / 3.6) and merged.course_deg == 54.7


def test_gga_takes_its_date_from_rmc_and_rolls_over_at_midnight() -> None:
    results = decode(
        rmc(t="235958.00", day="311223"),
        gga(t="235959.00"),
        gga(t="000000.00"),
        gga(t="000001.00"),
        live=False,
    )
    times = [r.fixes[0].time for r in results]
    assert times[1] == datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert times[2] == datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert times[3] == datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_without_rmc_the_date_comes_from_the_receive_time_even_across_midnight() -> None:
    # received just after midnight, the GPS still says 23:59:58 of the day before
    received = datetime(2024, 6, 2, 0, 0, 1, tzinfo=UTC)
    (result,) = decode(gga(t="235958.00"), received=received)
    assert result.fixes[0].time == datetime(2024, 6, 1, 23, 59, 58, tzinfo=UTC)


def test_gps_week_rollover_dates_are_moved_forward_1024_weeks() -> None:
    (result,) = decode(
        rmc(t="000400.00", day="220899"), received=datetime(2019, 4, 7, 0, 5, tzinfo=UTC)
    )
    assert result.fixes[0].time.date().isoformat() == "2019-04-07"
    (result,) = decode(rmc(day="220899"), live=False)
    assert result.fixes[0].time.date().isoformat() == "2019-04-07"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (gga()[:-3], "no checksum"),
        (gga()[:-2] + "00", "bad checksum"),
        (gga(quality="0"), "no fix (GGA quality 0)"),
        (rmc(status="V"), "invalid fix (RMC status V)"),
        (nmea("GPGLL,4404.13387,N,12118.85628,W,120002.00,V,N"), "invalid fix (GLL status V)"),
        (nmea("GPGGA,120000.00,,,,,1,00,,,M,,M,,"), "no position"),
        (gga(alt="70000.0"), "implausible altitude: 70000 m"),
        (
            nmea("GPGGA,120000.00,9404.13387,N,12118.85628,W,1,12,1.01,100,M,,M,,"),
            "latitude out of range: 94.0689",
        ),
        (
            nmea("GPGGA,1200,4404.13387,N,12118.85628,W,1,12,1.01,100,M,,M,,"),
            "time is malformed: '1200'",
        ),
        (
            nmea("GPGGA,120000.00,4404.13387,N,12118.85628,W,1,twelve,1.01,100,M,,M,,"),
            "satellites is not an integer: 'twelve'",
        ),
        ("GPGGA,120000.00,4404.13387", "not an NMEA sentence"),
        ("# a comment", "comment line"),
        (b"$GPRMC,000346.03,A,4808\x00\x00\x00", "NUL bytes in line"),
        (b"\xb5b\x01\x07", "non-ASCII or control bytes in line"),
        (nmea("GPXYZ,1,2,3"), "unknown sentence type GPXYZ"),
        (gga(t="130000.00"), "fix time far from receive time"),
    ],
)
def test_bad_sentences_are_rejected_with_a_reason(line: str | bytes, reason: str) -> None:
    (result,) = decode(line)
    assert (result.status, result.reason) == ("rejected", reason)
    assert result.records == ()
    assert result.tracker == "balloon"


def test_no_fix_never_becomes_latitude_zero() -> None:
    results = decode(
        nmea("GPRMC,,V,,,,,,,,,,N"), nmea("GPGGA,,,,,,0,,,,M,,M,,"), nmea("GPGLL,,,,,,V,N")
    )
    assert all(r.status == "rejected" and not r.records for r in results)


def test_a_jump_faster_than_a_balloon_is_rejected_then_trusted_when_it_persists() -> None:
    far = "GPGGA,{t},4504.13387,N,12118.85628,W,1,12,1.01,1144.8,M,-21.4,M,,"
    lines = [gga(t="120000.00")] + [nmea(far.format(t=f"12000{i}.00")) for i in range(1, 7)]
    results = decode(*lines)
    statuses = [r.status for r in results]
    assert statuses[:5] == ["ok", "rejected", "rejected", "rejected", "rejected"]
    assert results[1].reason == "implausible jump: 111.2 km in 1 s"
    assert statuses[5:] == ["ok", "ok"]


def test_doubled_dollar_nmea_decodes() -> None:
    (result,) = decode("$" + gga())
    assert result.status == "ok" and result.fixes


SENTENCES = [gga(), rmc(), nmea("GPGSV,4,1,16,02,05,307,,03,21,174,29,04,12,038,23,06,07,270,06")]


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(st.binary(max_size=120), st.sampled_from(SENTENCES).map(str.encode)), max_size=12
    ),
    st.data(),
)
def test_any_bytes_give_exactly_one_outcome_per_line_and_never_raise(
    lines: list[bytes], data: st.DataObject
) -> None:
    mutated = []
    for line in lines:
        if line and data.draw(st.booleans()):
            i = data.draw(st.integers(0, len(line) - 1))
            line = line[:i] + bytes([data.draw(st.integers(0, 255))]) + line[i + 1 :]
        mutated.append(line)
    results = decode(*mutated)
    assert len(results) == len(mutated)
    for r in results:
        assert r.status in ("ok", "rejected")
        assert (r.status == "rejected") == (r.reason is not None)
        assert r.reason != "decoder error (see log)"


def test_the_decoding_modules_load_no_store_textual_or_folium() -> None:
    """Decoding is pure functions from lines to records: importing every decoding module loads
    neither SQLite nor the store, the live view or the maps (ARCHITECTURE.md's boundaries)."""
    import subprocess
    import sys

    code = (
        "import sys, pkgutil, importlib, groundstation.decoding as d\n"
        "for m in pkgutil.iter_modules(d.__path__):\n"
        "    importlib.import_module(f'{d.__name__}.{m.name}')\n"
        "avoid = ('sqlite3', 'sqlite_utils', 'groundstation.store', 'textual', 'folium')\n"
        "loaded = [n for n in avoid if n in sys.modules]\n"
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@settings(max_examples=500)
@given(
    st.floats(-89.0, 89.0),
    st.floats(-179.9, 179.9),
    st.floats(-0.01, 0.01),
    st.floats(-0.01, 0.01),
    st.one_of(st.none(), st.floats(-200.0, 200.0)),
    st.floats(0.0, 2.0),
)
def test_a_move_is_a_jump_exactly_when_it_is_faster_than_a_balloon(
    lat: float, lon: float, dlat: float, dlon: float, climb: float | None, seconds: float
) -> None:
    """Plausibility skips the haversine for a fix certainly within reach: its verdict must be
    the one the distance itself gives, around the 300 m (+ 350 m/s) limit too."""
    import math
    from datetime import timedelta

    from groundstation.decoding.plausibility import MAX_SPEED_MPS, Plausibility
    from groundstation.flight.geo import ground_distance_m

    first = datetime(2024, 6, 1, 12, tzinfo=UTC)
    check = Plausibility().check
    assert check("T", first, lat, lon, 1000.0, None) is None
    alt = None if climb is None else 1000.0 + climb
    reason = check("T", first + timedelta(seconds=seconds), lat + dlat, lon + dlon, alt, None)
    dist = math.hypot(ground_distance_m(lat, lon, lat + dlat, lon + dlon), climb or 0.0)
    jump = dist > 300.0 + MAX_SPEED_MPS * seconds
    assert (reason is not None and reason.startswith("implausible jump")) == jump


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=20), max_size=5))
def test_extra_fields_are_stored_as_json_dumps_writes_them(extra: dict[str, str]) -> None:
    """The telemetry table's ``extra`` text is built by hand (fast, for extras that change every
    few packets): it must be exactly ``json.dumps(sort_keys=True)``, quotes, backslashes,
    control characters and non-ASCII text included, and read back as the same fields."""
    import json

    from groundstation.models import extra_json

    text = extra_json(dict(extra))
    assert text == json.dumps(extra, sort_keys=True)
    assert json.loads(text) == extra
