"""The live view driven by Textual's pilot: data in, what a crew sees out."""

from __future__ import annotations

from datetime import timedelta

from tuikit import T0, Clock

from groundstation.models import Decoded, Fix, LinkQuality, RawLine, SourceEvent, Telemetry
from groundstation.tui.app import LiveApp
from groundstation.tui.map_export import NOT_AVAILABLE, find_exporter
from groundstation.tui.rows import STALE_STYLE
from groundstation.tui.screens.help import HelpScreen
from groundstation.tui.widgets.detail import DetailPane
from groundstation.tui.widgets.event_log import EventLog
from groundstation.tui.widgets.status_bar import StatusBar
from groundstation.tui.widgets.tracker_table import TrackerTable


def line(tracker: str, *records: object, at: object = T0, n: int = 1) -> Decoded:
    raw = RawLine("serial:/dev/test", n, at, b"$GPGGA...")  # type: ignore[arg-type]
    return Decoded(raw, "ok", tracker=tracker, records=records)  # type: ignore[arg-type]


def fix(tracker: str, seconds: float, alt: float = 100.0) -> Decoded:
    at = T0 + timedelta(seconds=seconds)
    return line(tracker, Fix(tracker, at, 52.2, 0.1, alt), at=at)


async def settle(app: LiveApp, pilot: object) -> None:
    """Take in what is queued, let analysis finish and the screen catch up."""
    app.refresh_now()
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


async def test_a_replayed_flight_shows_trackers_phases_and_events(
    flight_records, end_clock, settings_for
):
    app = LiveApp(settings_for(end_clock))
    async with app.run_test(size=(120, 40)) as pilot:
        app.inbox.put(flight_records)
        await settle(app, pilot)
        table = app.main.query_one(TrackerTable)
        assert list(table.names) == ["EMU1", "EMU2"]
        for name in ("EMU1", "EMU2"):
            assert table.cell(name, "phase").plain == "landed"
            last = app.model.trackers[name].last_fix
            assert last is not None and last.alt_m is not None
            assert table.cell(name, "alt").plain == f"{last.alt_m:.0f}"
            assert int(table.cell(name, "packets").plain) > 500
        kinds = [(e.tracker, e.kind) for e in app.model.events]
        for name in ("EMU1", "EMU2"):
            flight = [k for t, k in kinds if t == name and k in ("launch", "burst", "landing")]
            assert flight == ["launch", "burst", "landing"]
        burst = next(e for e in app.model.events if e.kind == "burst")
        assert "burst at 2,9" in burst.text or "burst at 3,0" in burst.text
        assert "landed 52." in app.main.query_one(DetailPane).text.plain


async def test_keys_move_toggle_help_map_and_quit(
    flight_records, end_clock, settings_for, tmp_path
):
    app = LiveApp(settings_for(end_clock), export_folder=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.inbox.put(flight_records)
        await settle(app, pilot)
        table = app.main.query_one(TrackerTable)
        assert table.selected == "EMU1"
        await pilot.press("down")
        assert table.selected == "EMU2"
        assert app.main.query_one(DetailPane).text.plain.startswith("EMU2")
        await pilot.press("k")
        assert table.selected == "EMU1"
        await pilot.press("j")
        assert table.selected == "EMU2"
        await pilot.click("#trackers", offset=(3, 1))  # the first row, under the header
        assert table.selected == "EMU1"

        log = app.main.query_one(EventLog)
        assert log.display
        await pilot.press("e")
        assert not log.display
        await pilot.press("e")
        assert log.display

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is app.main

        await pilot.press("m")
        await app.workers.wait_for_complete()
        await pilot.pause()
        if find_exporter() is None:
            assert app.message == NOT_AVAILABLE
        else:  # the map goes where the app was told, never into the working directory
            assert app.message.startswith("map "), app.message
        await pilot.press("q")
    assert app.return_code == 0


async def test_stale_trackers_turn_red_and_their_age_keeps_counting(settings_for):
    clock = Clock(T0 + timedelta(seconds=5))
    app = LiveApp(settings_for(clock))
    async with app.run_test(size=(120, 40)) as pilot:
        app.inbox.put([fix("EMU1", 0), fix("EMU2", 0)])
        await settle(app, pilot)
        table = app.main.query_one(TrackerTable)
        assert table.cell("EMU1", "age").plain == "5s"
        assert STALE_STYLE not in str(table.cell("EMU1", "callsign").style)

        clock.advance(95)  # 100 s without a packet: past the 30 s limit
        app.inbox.put([fix("EMU2", 99)])
        await settle(app, pilot)
        assert table.cell("EMU1", "age").plain == "1m40s"
        assert str(table.cell("EMU1", "callsign").style) == STALE_STYLE
        assert str(table.cell("EMU1", "alt").style) == STALE_STYLE
        assert table.cell("EMU2", "age").plain == "1s"
        assert STALE_STYLE not in str(table.cell("EMU2", "callsign").style)
        assert ("EMU1", "signal lost") in [(e.tracker, e.kind) for e in app.model.events]

        clock.advance(2)
        app.inbox.put([fix("EMU1", 102)])
        await settle(app, pilot)
        assert STALE_STYLE not in str(table.cell("EMU1", "callsign").style)
        regained = [e for e in app.model.events if e.kind == "signal regained"]
        assert [e.tracker for e in regained] == ["EMU1"]
        assert "after 1m42s" in regained[0].text


async def test_a_replayed_trackers_signal_events_are_on_its_own_clock(settings_for):
    """A replayed log or the sped-up demo: fix times are not the laptop's clock. Losing and
    regaining a tracker's signal is logged on the tracker's clock, as its launch and burst are,
    so the event log reads in one time; before, they came out at the laptop's time."""
    behind = timedelta(hours=3)  # the log's fixes were made three hours before the replay

    def replayed(seconds: float) -> Decoded:
        at = T0 + timedelta(seconds=seconds)
        return line("EMU1", Fix("EMU1", at - behind, 52.2, 0.1, 100.0), at=at)

    clock = Clock(T0)
    app = LiveApp(settings_for(clock))
    async with app.run_test(size=(120, 40)) as pilot:
        app.inbox.put([replayed(0)])
        await settle(app, pilot)
        clock.advance(40)  # silent past the 30 s limit
        await settle(app, pilot)
        clock.advance(5)
        app.inbox.put([replayed(45)])
        await settle(app, pilot)
        stamps = {e.kind: e.time for e in app.model.events if e.tracker == "EMU1"}
        assert stamps["signal lost"] == T0 - behind + timedelta(seconds=40)
        assert stamps["signal regained"] == T0 - behind + timedelta(seconds=45)
        shown = [row.text for row in app.main.query_one(EventLog).lines]
        assert any(r.startswith("09:00:40 EMU1 signal lost") for r in shown), shown
        assert any(r.startswith("09:00:45 EMU1 signal regained") for r in shown), shown


async def test_port_unplugged_and_back_low_battery_and_link_counts(settings_for):
    clock = Clock(T0)
    app = LiveApp(settings_for(clock))
    async with app.run_test(size=(120, 40)) as pilot:
        app.inbox.put_event(SourceEvent("serial:/dev/ttyUSB0", "/dev/ttyUSB0", T0, "open"))
        tele = Telemetry("EMU1", T0, 7, battery_v=3.21, temp_int_c=-5.0, temp_ext_c=-40.0)
        link = LinkQuality("EMU1", 7, rssi_dbm=-101.0, snr_db=4.5, crc_ok=True, lost_before=3)
        bad = Decoded(RawLine("serial:/dev/ttyUSB0", 9, T0, b"x"), "rejected", "bad checksum",
                      tracker="EMU1")  # fmt: skip
        app.inbox.put([line("EMU1", tele, link), bad])
        await settle(app, pilot)
        status = app.main.query_one(StatusBar)
        assert "/dev/ttyUSB0 open" in str(status.render())
        app.inbox.put_event(
            SourceEvent("serial:/dev/ttyUSB0", "/dev/ttyUSB0", T0, "lost", "device unplugged")
        )
        await settle(app, pilot)
        assert "/dev/ttyUSB0 lost" in str(status.render())
        app.inbox.put_event(SourceEvent("serial:/dev/ttyUSB0", "/dev/ttyUSB0", T0, "open"))
        await settle(app, pilot)
        texts = [e.text for e in app.model.events]
        assert "port /dev/ttyUSB0 unplugged (device unplugged)" in texts
        assert "port /dev/ttyUSB0 is back" in texts
        assert "low battery: 3.21 V" in texts
        table = app.main.query_one(TrackerTable)
        assert table.cell("EMU1", "battery").plain == "3.21"
        assert table.cell("EMU1", "link").plain == "-101/4.5"
        assert table.cell("EMU1", "temp").plain == "-5/-40"
        assert table.cell("EMU1", "lost").plain == "3"
        assert table.cell("EMU1", "bad").plain == "1"
        assert table.cell("EMU1", "packets").plain == "1"


HOSTILE = ["[bold red]X[/]", "[link=https://x]y[/link]", "A\x1b[2J\x07B"]


async def test_hostile_callsigns_are_shown_literally(settings_for):
    app = LiveApp(settings_for(Clock(T0)))
    async with app.run_test(size=(200, 40)) as pilot:
        app.inbox.put([fix(name, 0) for name in HOSTILE])
        await settle(app, pilot)
        table = app.main.query_one(TrackerTable)
        shown = {}
        for name in HOSTILE:
            cell = table.cell(name, "callsign")
            assert cell.spans == []  # no markup was parsed into styles or links
            shown[name] = cell.plain
        assert shown["[bold red]X[/]"] == "[bold red]X[/]"
        assert shown["[link=https://x]y[/link]"].startswith("[link=htt")  # cut to the column
        assert shown["A\x1b[2J\x07B"] == "A\\x1b[2J\\x07B"
        for _ in HOSTILE:
            detail = app.main.query_one(DetailPane).text.plain
            assert "\x1b" not in detail and "\x07" not in detail
            assert detail.split("  ")[0] in {"[bold red]X[/]", "[link=https://x]y[/link]",
                                             "A\\x1b[2J\\x07B"}  # fmt: skip
            await pilot.press("down")
        screen = app.export_screenshot()
        assert "\x1b" not in screen and "\x07" not in screen
        assert "https://x" not in screen.split("<a ")[0] or "<a " not in screen
