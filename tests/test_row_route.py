"""A bulk import's rows are the rows of its lines decoded one by one.

The decoding process of a bulk import makes rows for the tables straight from a plainly intact
packet (``LineIngest.feed_rows``: the ``lean`` field readers, no decoded-line objects). These
tests feed the same chunks both ways and compare, chunk by chunk, the rows the writer would
store (``to_rows`` of the lines fed one by one) and the counts: emulated flights with every kind
of link fault, the sample logs, the corpus, packets the sender got wrong, Hypothesis edits of a
clean flight, and Hypothesis packets whose checksums and CRC are right but whose fields take
every odd form a reader could misread.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import CORPUS, SAMPLE_LOGS
from test_packet_route import CASES, EDITS, FAULTS, edited, emulated

from firmware_protocol import crc16_ccitt
from firmware_protocol.checksums import nmea_sentence
from groundstation.decoding import lean as lean_readers
from groundstation.pipeline import Counts, LineIngest, RowSink
from groundstation.store.database import Rows, TrackerIds, _iso_text, to_rows

WHEN = datetime(2024, 6, 1, 12, tzinfo=UTC)
SOURCE_ID = {"test": 3}.__getitem__


class LineByLine(LineIngest):
    whole_packets = False


class PacketAtATime(LineIngest):
    """The lean way without the whole-chunk packet reader (the way it takes between packets
    that reader leaves)."""

    whole_chunks = False


def both_ways(
    data: bytes, size: int, live: bool = False, lean: type[LineIngest] = LineIngest
) -> tuple[list[Rows], Counts]:
    """Feed ``data`` in chunks of ``size`` bytes both ways; assert each chunk's rows and the
    counts agree; return the rows and counts."""
    reference = LineByLine("test", "DEFAULT", live_clock=live)
    ingest = lean("test", "DEFAULT", live_clock=live)
    expected_counts, counts = Counts("a"), Counts("b")
    sink = RowSink(counts, SOURCE_ID)
    tracker_ids = TrackerIds()  # (each way gives trackers ids in the order it meets them)
    out: list[Rows] = []
    step = size or len(data) or 1
    for i in range(0, len(data) + step, step):  # the last step: the end of the stream
        if i < len(data):
            chunk = data[i : i + step]
            decoded = reference.feed(chunk, WHEN)
            ingest.feed_rows(chunk, WHEN, sink)
        else:
            decoded = reference.finish(WHEN)
            ingest.finish_rows(WHEN, sink)
        expected_counts.add(decoded)
        expected = to_rows(decoded, SOURCE_ID, tracker_ids)
        got = sink.take().expanded()  # (as the writer stores them)
        assert got == expected, f"the chunk at byte {i} ({step}-byte chunks)"
        out.append(got)
    assert (counts.lines, counts.ok, counts.fixes, counts.rejected, counts.reasons) == (
        expected_counts.lines,
        expected_counts.ok,
        expected_counts.fixes,
        expected_counts.rejected,
        expected_counts.reasons,
    )
    return out, counts


@pytest.mark.parametrize("lean", [LineIngest, PacketAtATime])
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_emulated_flights_give_the_same_rows_either_way(name: str, lean: type[LineIngest]) -> None:
    data = emulated(**FAULTS[name])
    for size in (97, 4096, 0):
        rows, counts = both_ways(data, size, lean=lean)
    stored = sum(len(r.ok) + len(r.rejected) + sum(len(run[3]) for run in r.runs) for r in rows)
    assert stored == counts.lines  # every line is a row
    assert counts.fixes > 50
    lost = sum(int(link[7]) for r in rows for link in r.links)  # (lost_before)
    if name == "clean":
        assert counts.lines == data.count(b"\n") and (counts.rejected, lost) == (0, 0)
    else:
        assert counts.rejected + lost > 10


def test_sample_logs_and_corpus_give_the_same_rows_either_way() -> None:
    logs = sorted(SAMPLE_LOGS.glob("*.log")) + sorted(CORPUS.glob("*/*.log"))
    assert len(logs) > 20
    for path in logs:
        both_ways(path.read_bytes(), 4096)


def test_a_live_port_is_never_read_the_lean_way() -> None:
    """Live lines are checked against the receive clock: they always go the decoder's way."""
    both_ways(emulated(seed=3, size=40_000), 4096, live=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_packets_the_sender_got_wrong_give_the_same_rows_either_way(name: str) -> None:
    rows, counts = both_ways(CASES[name], 0)
    assert counts.lines == CASES[name].count(b"\n")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EDITS, st.sampled_from([64, 512, 4096, 0]))
def test_edited_flights_give_the_same_rows_either_way(
    edits: list[tuple[int, str, int]], size: int
) -> None:
    both_ways(edited(edits), size)


# Field forms a lean reader could read differently from the decoder of record: signs, leading
# zeros, missing or extra digits, exponents, out-of-range values, odd letters, empty fields.
NUMBERS = ["", "0", "00", "-0", "1", "-1", "+1", "1.", ".5", "-1.50", "007", "1e3", "nan",
           "inf", " 1", "1_0", "99999", "1000000", "-1000001", "12.3.4", "0x1"]  # fmt: skip
ODD: dict[str, list[str]] = {
    "callsign": ["B-1_x", "A" * 16, "A" * 17, "", "O N", "a.b"],
    "seq": ["01", "00001", "65535", "65536", "123456", "", "x"],
    "end_seq": ["01", "7", "", "65536"],
    "time": [
        "{t}",
        "{hms}",
        "{hms}.",
        "{hms}.1234",
        "{hms}.1234567",
        "240000.00",
        "096000.00",
        "090060.00",
        "9000.00",
        "",
        "0{hms}.0",
        "{hms}.12345678901",
    ],  # fmt: skip
    # a GGA or RMC time unlike the header's (times are placed on a date by the one before)
    "gga_time": ["{later}", "{earlier}", "{hms}.5", "235959.00", "000001.00", "120000.00"],
    "rmc_time": ["{later}", "{earlier}", "{hms}", "235959.00", "000001.00", "221000.00"],
    "battery": [*NUMBERS, "100.00", "100.01", "4.1"],
    "temp_int": [*NUMBERS, "150.0", "150.1", "-100.0", "-100.1"],
    "temp_ext": NUMBERS,
    "pressure": [*NUMBERS, "1200.00", "1200.01"],
    "extras": [
        "",
        "up=0;dn=1",
        "up",
        "up=",
        "a=b=c",
        "x" * 17 + "=1",
        "up=0;up=1",
        "=1",
        "x=" + "y" * 196,
        "x=" + "y" * 197,
        "x=" + "y" * 198,
    ],  # (the line's length limit)
    "talker": ["GN", "GL", "PG", "gp", "G1", "P"],
    "lat": [
        "5211",
        "05211.99978",
        "5260.0",
        "9000.0",
        "9000.0001",
        "",
        "5211.99978.1",
        "1e3",
        "-5211.9",
        "5159.99999",
    ],  # fmt: skip
    "ns": ["S", "", "n", "X", "NS"],
    "lon": ["18000.0", "18000.0001", "", "00005", "000005.99938", "-00005.99938"],
    "ew": ["W", "", "e", "X"],
    "quality": ["0", "2", "", "x", "01", "-1"],
    "sats": [*NUMBERS, "200", "201"],
    "hdop": NUMBERS,
    "alt": [*NUMBERS, "60000", "60000.1", "-500", "-500.1", "99999"],
    "unit": ["", "m", "F", "MM"],
    "gga_tail": ["", ",", ",-34.0,M,,", ",,,,,,,"],
    "status": ["V", "", "AA", "a"],
    "speed": NUMBERS,
    "course": [*NUMBERS, "360.0", "360.1", "359.9"],
    "date": [
        "",
        "000000",
        "320124",
        "311324",
        "2208-1",
        "01062",
        "290200",
        "290224",
        "010680",
        "220899",
        "220819",
    ],  # fmt: skip
    "rmc_tail": ["", ",,", ",,,N", ",,,A", ",1.2,W,N,V", ",,,", ",,,NX", ",,,D,S"],
    "rssi": [*NUMBERS, "-200.0", "-200.1", "30.0", "30.1", "-28." + "8" * 220, "-28." + "8" * 222],
    "snr": [*NUMBERS, "50.0", "50.1", "-50.1"],
    # a radio line naming another tracker than the packet before it (or none at all)
    "radio_callsign": ["TWO", "one", "A" * 17, ""],
    "radio_seq": ["0", "9", "01", "", "65536"],
    # a VTG line (no time: it completes the tracker's latest fix, maybe the packet before's)
    "vtg": ["first", "last", "alone"],
    "freq": [*NUMBERS, "-", "1000000", "-1000000", "+5"],
}


def odd_packet(k: int, odd: dict[str, str]) -> bytes:
    """The k-th packet of a plain flight (then its radio line) with some fields replaced, its
    checksums and CRC right; b"" when a replaced field cannot be framed at all."""
    second = 10 * 3600 + 2 * k
    hms = _hms(second)
    f = {
        "callsign": "ONE", "seq": str(k), "time": "{t}", "battery": "4.14",
        "temp_int": "22.4", "temp_ext": "14.4", "pressure": "1009.88", "extras": "up=0",
        "talker": "GP", "lat": "5211.99978", "ns": "N", "lon": "00005.99938", "ew": "E",
        "quality": "1", "sats": "08", "hdop": "1.0", "alt": "100.0", "unit": "M",
        "gga_tail": ",,,,", "status": "A", "speed": "0.23", "course": "", "date": "010624",
        "rmc_tail": ",,,A", "rssi": "-28.8", "snr": "12.0", "freq": "727",
    } | odd  # fmt: skip
    f["end_seq"] = odd.get("end_seq", f["seq"])
    times = {"t": f"{hms}.00", "hms": hms, "later": f"{_hms(second + 1)}.00",
             "earlier": f"{_hms(second - 1)}.00"}  # fmt: skip
    t = f["time"].format(**times)
    gga_time = odd.get("gga_time", f["time"]).format(**times)
    rmc_time = odd.get("rmc_time", f["time"]).format(**times)
    header = f"{t},{f['battery']},{f['temp_int']},{f['temp_ext']},{f['pressure']},{f['extras']}"
    gga = (f"{f['talker']}GGA,{gga_time},{f['lat']},{f['ns']},{f['lon']},{f['ew']},{f['quality']},"
           f"{f['sats']},{f['hdop']},{f['alt']},{f['unit']}{f['gga_tail']}")  # fmt: skip
    rmc = (f"{f['talker']}RMC,{rmc_time},{f['status']},{f['lat']},{f['ns']},{f['lon']},{f['ew']},"
           f"{f['speed']},{f['course']},{f['date']}{f['rmc_tail']}")  # fmt: skip
    sender = f.get("radio_callsign", f["callsign"])
    radio = f"PHABR,{sender},{f.get('radio_seq', f['seq'])},{f['rssi']},{f['snr']},{f['freq']}"
    vtg = f"{f['talker']}VTG,{f['course'] or '12.5'},T,,M,{f['speed']},N,,K,A"
    middle = {"first": [vtg, gga, rmc], "last": [gga, rmc, vtg], "alone": [vtg]}.get(
        odd.get("vtg", ""), [gga, rmc]
    )
    try:
        return seal(f["callsign"], f["seq"], header, middle, f["end_seq"]) + line(radio)
    except ValueError:  # a field nmea_sentence will not frame ($, *, not ASCII)
        return b""


def _hms(second: int) -> str:
    return f"{second // 3600:02d}{second // 60 % 60:02d}{second % 60:02d}"


def line(body: str) -> bytes:
    return nmea_sentence(body).encode() + b"\r\n"


def seal(callsign: str, seq: str, header: str, middle: list[str], end_seq: str) -> bytes:
    """A packet with every checksum and its CRC right, its fields as given."""
    lines = [line(f"PHABT,{callsign},{seq},{header}")] + [line(body) for body in middle]
    crc = crc16_ccitt(b"".join(lines))
    return b"".join(lines) + line(f"PHABE,{callsign},{end_seq},{crc:04X}")


def test_epochs_met_again_give_the_same_rows_either_way() -> None:
    """The decoding process hands the writer the commonest packets as one tuple each
    (``Rows.steady``), and the writer makes their rows, merging their fixes with the others'. A
    packet heard twice, or an epoch another packet repeats with other measurements, gives one
    fix each way, its gaps filled from the later packet."""

    def at(k: int) -> str:
        return f"{_hms(10 * 3600 + 2 * k)}.00"

    flight = (
        odd_packet(0, {})
        + odd_packet(1, {"alt": ""})
        + odd_packet(2, {})
        + odd_packet(3, {"time": at(1), "alt": "300.0", "hdop": ""})
        + odd_packet(1, {"alt": "", "sats": "09"})  # (heard again)
        + odd_packet(4, {})
        + odd_packet(5, {"time": at(4), "rssi": "-30.0"})
        + odd_packet(6, {})
        # (its radio line names another tracker: the packet's fix is made the other way)
        + odd_packet(7, {"radio_callsign": "TWO", "alt": ""})
        + odd_packet(8, {"time": at(7), "alt": "500.0", "sats": "11"})
    )
    ingest = LineIngest("test", "DEFAULT", live_clock=False)
    sink = RowSink(Counts("x"), SOURCE_ID)
    ingest.feed_rows(flight, WHEN, sink)
    made = sink.take()
    steady = [_iso_text(row[1], row[2]) for row in made.steady]  # (their epochs)
    # Both merges are taken: steady packets of one epoch, and a steady packet's epoch in fixes.
    assert len(steady) > len(set(steady)) and set(steady) & {row[1] for row in made.fixes}
    rows, _ = both_ways(flight, 0)
    fixes = {row[1]: row for part in rows for row in part.fixes}
    assert len(fixes) == sum(len(part.fixes) for part in rows) == 6  # (one row an epoch)
    assert fixes["2024-06-01T10:00:02.000Z"][4] == 300.0  # (altitude, from packet 3)
    assert fixes["2024-06-01T10:00:14.000Z"][4:8:3] == [500.0, 8]  # (first value wins)
    for size in (64, 512):
        both_ways(flight, size)


def test_rows_of_chunks_received_at_other_times_keep_each_time() -> None:
    """Rows made of chunks that came at different times: each link row has its packet's."""
    data = emulated(seed=5, size=30_000)
    half = data.rfind(b"$PHABT", 0, len(data) // 2)
    later = datetime(2024, 6, 1, 12, 0, 7, tzinfo=UTC)
    reference = LineByLine("test", "DEFAULT", live_clock=False)
    decoded = reference.feed(data[:half], WHEN) + reference.feed(data[half:], later)
    ingest = LineIngest("test", "DEFAULT", live_clock=False)
    sink = RowSink(Counts("x"), SOURCE_ID)
    ingest.feed_rows(data[:half], WHEN, sink)
    ingest.feed_rows(data[half:], later, sink)
    made = sink.take()
    assert made.steady and made.expanded() == to_rows(decoded, SOURCE_ID)
    times = {row[1] for row in made.expanded().links}
    assert times == {"2024-06-01T12:00:00.000Z", "2024-06-01T12:00:07.000Z"}


@st.composite
def odd_flight(draw: st.DrawFn) -> bytes:
    """Plain packets with one or two odd fields here and there."""
    out = b""
    for k in range(1, draw(st.integers(2, 6)) + 1):
        odd = {}
        for _ in range(draw(st.sampled_from([0, 1, 1, 2]))):
            name = draw(st.sampled_from(sorted(ODD)))
            odd[name] = draw(st.sampled_from(ODD[name]))
        out += odd_packet(k, odd)
    return odd_packet(0, {}) + out + odd_packet(99, {})


@pytest.mark.parametrize("name", sorted(ODD))
def test_each_odd_field_gives_the_same_rows_either_way(name: str) -> None:
    """Every odd value of the field, alone in a plain flight, in the header's packet and in
    the one after (where the decoder has seen it)."""
    for value in ODD[name]:
        data = odd_packet(0, {}) + odd_packet(1, {name: value}) + odd_packet(2, {name: value})
        rows, counts = both_ways(data + odd_packet(3, {}), 0)
        assert counts.lines >= 5 * 3


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_flight())
def test_packets_with_odd_fields_give_the_same_rows_either_way(data: bytes) -> None:
    both_ways(data, 0)


def _matches(pattern: re.Pattern[str], text: str) -> list[tuple[object, ...]]:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_flight(), EDITS)
def test_the_packet_pattern_matches_what_its_greedy_form_matches(
    data: bytes, edits: list[tuple[int, str, int]]
) -> None:
    """The lean readers' quantifiers are possessive (they never give characters back, which
    makes the packet pattern faster): on odd fields and edited flights it finds the same packets
    with the same fields as the pattern with every quantifier greedy."""
    possessive = lean_readers.PACKET
    greedy = re.compile(re.sub(r"([+*?}])\+", r"\1", possessive.pattern))
    assert greedy.pattern.count("+") < possessive.pattern.count("+") - 20
    for text in (data.decode("latin-1"), edited(edits).decode("latin-1")):
        found = _matches(possessive, text)
        assert found == _matches(greedy, text)
    assert found  # (the edited flight still has plain packets)


@pytest.mark.parametrize("lean", [LineIngest, PacketAtATime])
def test_the_lean_way_is_taken_for_a_plain_flight(lean: type[LineIngest]) -> None:
    """Not a vacuous comparison: a clean flight's packets skip the decoded lines, read a whole
    chunk at once unless that is turned off, and then nearly all in the steady state's way."""
    data = emulated(seed=5, size=60_000)
    ingest = lean("test", "DEFAULT", live_clock=False)
    calls = {"intact": 0, "intact_read": 0, "steady_read": 0}
    for name in calls:
        method = getattr(ingest.packets, name)

        def counting(*args: object, method: Any = method, name: str = name) -> object:
            got = method(*args)
            calls[name] += got is not None
            return got

        setattr(ingest.packets, name, counting)
    sink = RowSink(Counts("x"), SOURCE_ID)
    ingest.feed_rows(data, WHEN, sink)
    packets = data.count(b"$PHABT")
    assert calls["intact_read"] + calls["steady_read"] > 0.9 * packets
    if lean.whole_chunks:
        assert calls["intact"] < 0.05 * packets
        assert calls["steady_read"] > 0.8 * packets
        assert len(sink.take().steady) > 0.7 * packets  # (their rows made by the writer)
    else:
        assert calls["intact"] == calls["intact_read"]
        assert calls["steady_read"] == 0
