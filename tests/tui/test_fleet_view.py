"""A campaign of 100 balloons in the live view: summary, sort and filter keys, crossings.

What each balloon should show comes from the generator (tests/tui/fleetgen.py), which knows the
state it flew each one into and where its track crosses the border, independently of the view.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from fleetgen import BORDER_LON, Fleet, make_fleet, write_border
from test_tui_app import line, settle
from tuikit import STATION, Clock, screen_lines

from groundstation.flight import ground_distance_m
from groundstation.flight.boundary import load_boundaries
from groundstation.models import Fix
from groundstation.tui.app import LiveApp
from groundstation.tui.settings import LiveSettings
from groundstation.tui.widgets.detail import DetailPane
from groundstation.tui.widgets.event_log import EventLog
from groundstation.tui.widgets.fleet_summary import CHOSEN_STYLE, FleetSummary
from groundstation.tui.widgets.tracker_table import TrackerTable

AIRBORNE = {"ascent", "float", "descent"}
RANK = ["lost", "descent", "float", "ascent", "pre-launch", "landed"]


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return make_fleet()


@pytest.fixture(scope="module")
def border(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_border(tmp_path_factory.mktemp("border") / "border.geojson")


def fleet_app(fleet: Fleet, border: Path | None) -> LiveApp:
    boundaries = tuple(load_boundaries(border)) if border is not None else ()
    clock = Clock(fleet.end + timedelta(seconds=2))
    return LiveApp(LiveSettings(station=STATION, clock=clock, boundaries=boundaries))


async def fed(app: LiveApp, fleet: Fleet, pilot: object) -> TrackerTable:
    app.inbox.put(fleet.records())
    await settle(app, pilot)
    app.refresh_now()  # states from the analysis are counted and sorted on the next tick
    await pilot.pause()  # type: ignore[attr-defined]
    return app.main.query_one(TrackerTable)


def shown_rows(table: TrackerTable) -> list[list[str]]:
    """The rows on screen under the header, split into words."""
    lines = [table.render_line(y).text for y in range(1, table.size.height)]
    return [line.split() for line in lines if line.strip()]


def summary(app: LiveApp) -> str:
    return app.main.query_one(FleetSummary).text.plain


async def test_100_trackers_are_counted_by_state_in_the_summary_line(fleet, border):
    truth = fleet.counts
    app = fleet_app(fleet, border)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await fed(app, fleet, pilot)
        assert len(table.names) == 100
        for name, want in fleet.states.items():
            assert table.cell(name, "phase").plain == want, name
        airborne = truth["ascent"] + truth["float"] + truth["descent"]
        crossed = len(fleet.crossers)
        assert 0 < crossed < 100
        want = (
            f"100 trackers · {airborne} airborne · {truth['descent']} descending · "
            f"{crossed} crossed · {truth['landed']} landed · {truth['lost']} lost"
        )
        assert summary(app).startswith(want)
        assert "sort name ▲" in summary(app)
        assert screen_lines(app)[0].strip().startswith(want)  # the top line of the screen
        shown = shown_rows(table)
        assert [row[0] for row in shown] == sorted(fleet.states)[: len(shown)]
        assert len(shown) >= 10


def expected_order(fleet: Fleet, key: str) -> list[str]:
    last = {b.name: b.fixes[-1] for b in fleet.balloons}
    if key == "altitude":
        return sorted(last, key=lambda n: (-last[n].alt_m, n))
    if key == "range":

        def far(n: str) -> float:
            return ground_distance_m(STATION.lat, STATION.lon, last[n].lat, last[n].lon)

        return sorted(last, key=lambda n: (far(n), n))
    if key == "heard":
        return sorted(last, key=lambda n: (last[n].time, n))
    if key == "state":
        return sorted(last, key=lambda n: (RANK.index(fleet.states[n]), n))
    return sorted(last)


async def test_sort_keys_reorder_the_rows_and_the_selection_follows_its_tracker(fleet, border):
    app = fleet_app(fleet, border)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await fed(app, fleet, pilot)
        await pilot.press("down", "down", "down", "down", "down")
        chosen = table.selected
        assert chosen == "CMP006"
        for key, header in [
            ("altitude", "Alt m ▼"),
            ("range", "Range ▲"),
            ("heard", "Age ▼"),
            ("state", "Phase ▲"),
            ("name", "Callsign ▲"),
        ]:
            await pilot.press("s")
            await pilot.pause()
            want = expected_order(fleet, key)
            assert list(table.names) == want, key
            shown = shown_rows(table)
            top = round(table.scroll_y)
            assert [row[0] for row in shown] == want[top : top + len(shown)], key
            assert header in table.render_line(0).text, key
            # the cursor stayed on its tracker, which is on screen, and the detail shows it
            assert table.selected == chosen, key
            assert chosen in [row[0] for row in shown], key
            assert app.main.query_one(DetailPane).text.plain.startswith(chosen)
        # after altitude: the rows' own numbers go down the screen
        await pilot.press("s")
        await pilot.pause()
        alts = [float(row[2]) for row in shown_rows(table)]
        assert alts == sorted(alts, reverse=True) and alts[0] > alts[-1]
        assert "sort altitude ▼" in summary(app)
        await pilot.press("r")  # reversed: lowest first
        await pilot.pause()
        assert list(table.names)[-1] == expected_order(fleet, "altitude")[0]
        assert "Alt m ▲" in table.render_line(0).text and table.selected == chosen
        await pilot.press("S")  # back to name
        await pilot.pause()
        assert list(table.names) == sorted(fleet.states)


async def test_filter_keys_show_only_the_matching_trackers(fleet, border):
    states = fleet.states
    app = fleet_app(fleet, border)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await fed(app, fleet, pilot)
        expected = {
            "airborne": {n for n, s in states.items() if s in AIRBORNE},
            "descending": {n for n, s in states.items() if s == "descent"},
            "crossed": fleet.crossers,
            "lost": {n for n, s in states.items() if s == "lost"},
            "landed": {n for n, s in states.items() if s == "landed"},
        }
        for kind, names in expected.items():
            await pilot.press("f")
            await pilot.pause()
            assert set(table.names) == names, kind
            assert list(table.names) == sorted(names)  # still in the sort order
            shown = shown_rows(table)
            assert shown and {row[0] for row in shown} <= names
            if kind in ("descending", "lost", "landed"):
                phase = {"descending": "descent"}.get(kind, kind)
                assert {row[4] for row in shown} == {phase}, kind
            # the summary marks the filter's count, which is the number of rows, and says in
            # words which filter is on
            text = app.main.query_one(FleetSummary).text
            marked = [text.plain[s.start : s.end] for s in text.spans if s.style == CHOSEN_STYLE]
            assert marked == [f"{len(names)} {kind}", f"only {kind}"]
            # the selection is always one of the rows shown, and the detail pane shows it
            assert table.selected in names
            assert app.main.query_one(DetailPane).text.plain.startswith(table.selected)
        await pilot.press("f")  # round to all again
        await pilot.pause()
        assert len(table.names) == 100
        await pilot.press("F")  # and back
        await pilot.pause()
        assert set(table.names) == expected["landed"]


async def test_an_empty_filter_says_so_and_crossed_is_skipped_without_a_boundary(
    flight_records, end_clock, settings_for
):
    app = LiveApp(settings_for(end_clock))  # two landed trackers, no boundary
    async with app.run_test(size=(100, 30)) as pilot:
        app.inbox.put(flight_records)
        await settle(app, pilot)
        table = app.main.query_one(TrackerTable)
        assert "crossed" not in summary(app)
        for _ in range(3):  # airborne, descending, lost: "crossed" is not offered
            await pilot.press("f")
        await pilot.pause()
        assert table.names == () and table.selected is None
        assert "no tracker is lost" in table.render_line(1).text
        assert app.main.query_one(DetailPane).text.plain == ""
        await pilot.press("f")
        await pilot.pause()
        assert table.names == ("EMU1", "EMU2") and table.selected == "EMU1"


async def test_a_long_event_wraps_in_a_narrow_pane_instead_of_losing_its_end(
    flight_records, end_clock, settings_for
):
    app = LiveApp(settings_for(end_clock))  # two landed trackers
    async with app.run_test(size=(80, 24)) as pilot:
        app.inbox.put(flight_records)
        await settle(app, pilot)
        log = app.main.query_one(EventLog)
        landings = [e for e in app.model.events if e.kind == "landing"]
        assert len(landings) == 2
        width = log.scrollable_content_region.width
        rows = [row.text.rstrip() for row in log.lines]
        assert all(len(row) <= width for row in rows), (width, rows)
        shown = re.sub(r"\s", "", "".join(rows))
        for event in landings:  # "landed at 52.19129, 0.21412": the longitude too
            assert re.sub(r"\s", "", f"{event.tracker} {event.text}") in shown, event.text
        assert len(rows) > len(app.model.events)  # some did need a second line


async def test_the_boundary_line_wraps_in_a_narrow_detail_pane_instead_of_losing_its_end(
    fleet, border
):
    """At 80x24 the line for a watched boundary ("Border: 4.4 km right, lands right, crossed
    1x") is wider than the pane: it goes on below (the plot gives up a row), where it was cut."""
    app = fleet_app(fleet, border)
    async with app.run_test(size=(80, 24)) as pilot:
        await fed(app, fleet, pilot)
        for key in "fff":  # only the trackers that crossed: their line says so at its end
            await pilot.press(key)
        await pilot.pause()
        text = app.main.query_one("#detail-text")
        rows = [text.render_line(y).text.rstrip() for y in range(text.size.height)]
        boundary = app.main.query_one(DetailPane).text.plain.splitlines()[-1]
        assert boundary.startswith("Border: ") and boundary.endswith("crossed 1x"), boundary
        assert len(boundary) > text.content_region.width
        assert re.sub(r"\s", "", boundary) in re.sub(r"\s", "", "".join(rows)), rows
        assert app.main.query_one("#altitude-plot").size.height >= 2  # still a plot below


async def test_each_crossing_is_logged_once_with_its_time_as_the_fleet_flies(fleet, border):
    """Fed as a receiver delivers it, a few seconds at a time, with the screen drawn between."""
    app = fleet_app(fleet, border)
    records = fleet.records()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()  # laid out first: the event log renders lines at its real width
        batch: list = []
        for d in records:
            if batch and (d.raw.received_at - batch[0].raw.received_at).total_seconds() >= 60:
                app.inbox.put(batch)
                app.drain()
                batch = []
            batch.append(d)
        app.inbox.put(batch)
        await settle(app, pilot)
        events = [e for e in app.model.events if e.kind == "crossing"]
        per_tracker = Counter(e.tracker for e in events)
        table = app.main.query_one(TrackerTable)
        for b in fleet.balloons:
            assert per_tracker[b.name] == len(b.crossing_times), b.name
            got = [e for e in events if e.tracker == b.name]
            for event, when, alt in zip(got, b.crossing_times, b.crossing_alts, strict=True):
                assert abs((event.time - when).total_seconds()) < 1.0, b.name
                assert event.text.endswith(f", {alt:,.0f} m"), (event.text, alt)
            assert table.cell(b.name, "cross").plain == str(len(b.crossing_times))
        twice = [b for b in fleet.balloons if len(b.crossing_times) == 2]
        assert twice, "the generator should send some balloons back across"
        texts = {e.text.split(",")[0] for e in events}
        assert texts == {"crossed Border left to right", "crossed Border right to left"}
        lines = [line.text for line in app.main.query_one(EventLog).lines]
        assert sum(" crossed " in line for line in lines) == len(events)


async def test_the_detail_pane_says_which_side_a_balloon_landed_and_how_far(fleet, border):
    back = next(b for b in fleet.balloons if len(b.crossing_times) == 2)
    over = next(b for b in fleet.balloons if b.state == "landed" and len(b.crossing_times) == 1)
    flying = next(b for b in fleet.balloons if b.state == "ascent" and not b.crossing_times)
    app = fleet_app(fleet, border)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await fed(app, fleet, pilot)
        for b, side, crossed in [
            (back, "landed", "left, crossed 2x"),
            (over, "landed", "right, crossed 1x"),
            (flying, "", "left, lands right"),  # the wind takes it over
        ]:
            names = list(table.names)
            table.move_cursor(names.index(b.name))
            await pilot.pause()
            text = app.main.query_one(DetailPane).text.plain
            line = text.splitlines()[-1]
            last = b.fixes[-1]
            km = ground_distance_m(last.lat, last.lon, last.lat, BORDER_LON) / 1000
            want = f"Border: {side} {km:.1f} km {crossed}".replace(":  ", ": ")
            assert line == want, (line, want)


async def test_a_hostile_boundary_name_and_callsign_are_shown_literally(tmp_path):
    """Names from files and from the air go on screen character for character."""
    name = "[bold red]X[/] \x1b[2J"
    border = write_border(tmp_path / "hostile.geojson", name=name)
    clock = Clock(make_fleet().end)
    app = LiveApp(
        LiveSettings(station=STATION, clock=clock, boundaries=tuple(load_boundaries(border)))
    )
    callsign = "[link=https://x]Y[/link]"
    async with app.run_test(size=(120, 40)) as pilot:
        for i in range(20):  # east across the border along 52.2 N
            at = clock.now - timedelta(seconds=40 - i)
            fix = Fix(callsign, at, 52.2, BORDER_LON - 0.001 + i * 1e-4, 900.0)
            app.inbox.put([line(callsign, fix, at=at)])
            app.drain()
        await settle(app, pilot)
        events = [e for e in app.model.events if e.kind == "crossing"]
        assert len(events) == 1
        # (the event is wrapped over lines of the pane: compare it without the wrapping)
        shown = "".join(row.text for row in app.main.query_one(EventLog).lines)
        assert re.sub(r"\s", "", f"{callsign} crossed [bold red]X[/] \\x1b[2J") in re.sub(
            r"\s", "", shown
        )
        detail = app.main.query_one(DetailPane).text
        assert detail.plain.splitlines()[-1].startswith("[bold red]X[/] \\x1b[2J: ")
        assert not any("link" in str(span.style) for span in detail.spans)
        assert "\x1b" not in app.export_screenshot()


def test_names_sort_naturally_so_numbered_campaigns_read_in_order():
    from groundstation.tui.fleet import ordered
    from groundstation.tui.model import TrackerState

    names = ["EMU10", "EMU2", "EMU1", "EMU100", "B7", "EMU9"]
    trackers = [TrackerState(name) for name in names]
    assert ordered(trackers, "name") == ["B7", "EMU1", "EMU2", "EMU9", "EMU10", "EMU100"]
    assert ordered(trackers, "name", reverse=True)[0] == "EMU100"
    # ties in another sort (no altitude yet for any) fall back to the same order
    assert ordered(trackers, "altitude") == ["B7", "EMU1", "EMU2", "EMU9", "EMU10", "EMU100"]


async def test_a_callsign_cannot_make_its_row_read_backwards():
    """A right-to-left override from the air shows as its code, in the table and the detail."""
    app = LiveApp(LiveSettings(station=STATION, clock=Clock(make_fleet().end)))
    name = "\u202eLIVE\u202c"
    async with app.run_test(size=(120, 40)) as pilot:
        at = app.settings.clock()
        app.inbox.put([line(name, Fix(name, at, 52.2, 0.1, 500.0), at=at)])
        await settle(app, pilot)
        table = app.main.query_one(TrackerTable)
        assert table.cell(name, "callsign").plain == "\\u202eLIVE\\u202c"
        assert table.render_line(1).text.split()[0] == "\\u202eLIV…"  # cut to its column
        assert app.main.query_one(DetailPane).text.plain.startswith("\\u202eLIVE\\u202c")
        assert "\u202e" not in "".join(screen_lines(app))
