"""The tracker table on its own terms: columns by width, redraw work, cursor, scrolling."""

from __future__ import annotations

from datetime import timedelta

from test_tui_app import fix, settle
from tuikit import T0, Clock

from groundstation.tui.app import LiveApp
from groundstation.tui.rows import COLUMNS, choose_columns, fit
from groundstation.tui.settings import LiveSettings
from groundstation.tui.widgets.detail import DetailPane
from groundstation.tui.widgets.tracker_table import TrackerTable


def screen_lines(table: TrackerTable) -> list[str]:
    """The table's lines as the terminal shows them (header first)."""
    return [table.render_line(y).text for y in range(table.size.height)]


def test_columns_are_chosen_by_importance_and_kept_in_table_order():
    keys = [c.key for c in choose_columns(78, station_known=True)]
    assert keys[:7] == ["callsign", "age", "alt", "rate", "phase", "range", "bearing"]
    assert "lat" not in keys and "lon" not in keys
    everything = [c.key for c in COLUMNS]
    assert [c.key for c in choose_columns(200, True, boundaries_known=True)] == everything
    # the crossings column only once a boundary is watched
    assert [c.key for c in choose_columns(200, True)] == [k for k in everything if k != "cross"]
    assert "cross" in [c.key for c in choose_columns(80, True, boundaries_known=True)][:6]
    no_station = [c.key for c in choose_columns(80, station_known=False)]
    assert no_station[:5] == ["callsign", "age", "alt", "rate", "phase"]
    assert not {"range", "bearing", "elev"} & set(no_station)
    assert [c.key for c in choose_columns(5, station_known=True)] == ["callsign"]
    for width in range(20, 200):  # latitude and longitude come together or not at all
        keys = [c.key for c in choose_columns(width, station_known=True)]
        assert ("lat" in keys) == ("lon" in keys)


def test_fit_pads_and_cuts_to_the_column():
    assert fit("12", 5, right=True) == "   12"
    assert fit("EMU1", 6, right=False) == "EMU1  "
    assert fit("LONGCALLSIGN", 6, right=False) == "LONGC…"
    assert fit("気球気球", 5, right=False) == "気球…"  # wide characters count two cells


async def test_the_header_follows_the_width_and_whether_a_station_is_known(settings_for):
    for size, station, wanted, absent in [
        ((80, 24), True, ["Callsign", "Age", "Alt m", "Rate", "Phase", "Range", "Brg"], ["Lat"]),
        ((80, 24), False, ["Callsign", "Age", "Alt m", "Rate", "Phase"], ["Range", "Brg"]),
        ((200, 50), True, [c.label for c in COLUMNS if c.key != "cross"], ["Cross"]),
    ]:
        settings = settings_for(Clock(T0))
        if not station:
            settings = LiveSettings(clock=settings.clock)
        app = LiveApp(settings)
        async with app.run_test(size=size) as pilot:
            app.inbox.put([fix("EMU1", 0, alt=1234.0)])
            await settle(app, pilot)
            table = app.main.query_one(TrackerTable)
            header, row = screen_lines(table)[:2]
            for label in wanted:
                assert label in header, (size, station, label)
            for label in absent:
                assert label not in header, (size, station, label)
            assert row.split()[:3] == ["EMU1", "0s", "1234"]
            assert len(header.rstrip()) <= size[0]


async def test_a_drain_rebuilds_only_the_rows_that_changed(settings_for):
    app = LiveApp(settings_for(Clock(T0)))
    async with app.run_test(size=(200, 50)) as pilot:
        names = [f"LOAD{i:02d}" for i in range(20)]
        app.inbox.put([fix(name, 0) for name in names])
        await settle(app, pilot)
        table = app.main.query_one(TrackerTable)
        assert list(table.names) == names
        before = table.row_builds
        app.inbox.put([fix("LOAD07", 1, alt=150.0)])
        await settle(app, pilot)
        assert table.cell("LOAD07", "alt").plain == "150"
        assert table.row_builds - before == 1
        assert "150" in screen_lines(table)[1 + names.index("LOAD07")].split()
        before = table.row_builds
        app.refresh_now()  # nothing new, the clock stands still: nothing to redraw
        await pilot.pause()
        assert table.row_builds == before


async def test_the_cursor_stays_on_its_tracker_and_scrolls_into_view(settings_for):
    clock = Clock(T0)
    app = LiveApp(settings_for(clock))
    async with app.run_test(size=(80, 24)) as pilot:
        app.inbox.put([fix(f"T{i:02d}", 0) for i in range(1, 20, 2)])
        await settle(app, pilot)
        table = app.main.query_one(TrackerTable)
        assert table.selected == "T01"
        await pilot.press("down", "down")
        assert table.selected == "T05"
        app.inbox.put([fix(f"T{i:02d}", 1) for i in range(0, 20, 2)])  # rows above and below
        await settle(app, pilot)
        assert len(table.names) == 20
        assert table.selected == "T05"
        await pilot.press("end")
        assert table.selected == "T19"
        await pilot.pause()
        lines = screen_lines(table)
        assert lines[0].split()[0] == "Callsign"  # the header stays put while rows scroll
        assert any(line.split()[:1] == ["T19"] for line in lines[1:])
        assert not any(line.split()[:1] == ["T00"] for line in lines[1:])
        await pilot.press("home")
        await pilot.pause()
        assert table.selected == "T00"
        assert screen_lines(table)[1].split()[0] == "T00"
        await pilot.click("#trackers", offset=(3, 3))
        assert table.selected == "T02"
        assert app.main.query_one(DetailPane).text.plain.startswith("T02")


async def test_stale_rows_keep_their_style_on_screen(settings_for):
    clock = Clock(T0 + timedelta(seconds=40))
    app = LiveApp(settings_for(clock))
    async with app.run_test(size=(120, 40)) as pilot:
        app.inbox.put([fix("EMU1", 0), fix("EMU2", 35)])
        await settle(app, pilot)
        table = app.main.query_one(TrackerTable)
        await pilot.press("down")  # the cursor off the stale row
        strip = table.render_line(1)
        colours = {seg.style.color.name for seg in strip if seg.text.strip() and seg.style.color}
        assert colours == {"#ff5f5f"}
        assert strip.text.split()[:2] == ["EMU1", "40s"]
