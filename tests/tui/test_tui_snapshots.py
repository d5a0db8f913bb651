"""Snapshots of the main screens, fed from a deterministic emulator flight with a frozen clock.

Update after a deliberate change of the look with: pytest tests/tui --snapshot-update
"""

from __future__ import annotations

from datetime import timedelta

from groundstation.tui.app import LiveApp


def _fed(flight_records, end_clock, settings_for):
    app = LiveApp(settings_for(end_clock))

    async def run_before(pilot) -> None:
        app.inbox.put(flight_records)
        app.refresh_now()
        await app.workers.wait_for_complete()
        await pilot.pause()

    return app, run_before


def test_main_screen_120x40(snap_compare, flight_records, end_clock, settings_for):
    app, run_before = _fed(flight_records, end_clock, settings_for)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_main_screen_80x24_second_tracker(snap_compare, flight_records, end_clock, settings_for):
    app, run_before = _fed(flight_records, end_clock, settings_for)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before, press=["down"])


def test_help_screen(snap_compare, flight_records, end_clock, settings_for):
    app, run_before = _fed(flight_records, end_clock, settings_for)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before, press=["?"])


def _fleet(tmp_path):
    """The 100-balloon campaign of tests/tui/fleetgen.py, watching its border."""
    from fleetgen import make_fleet, write_border
    from tuikit import STATION, Clock

    from groundstation.flight.boundary import load_boundaries
    from groundstation.tui.settings import LiveSettings

    fleet = make_fleet()
    boundaries = tuple(load_boundaries(write_border(tmp_path / "border.geojson")))
    clock = Clock(fleet.end + timedelta(seconds=2))
    app = LiveApp(LiveSettings(station=STATION, clock=clock, boundaries=boundaries))

    async def run_before(pilot) -> None:
        app.inbox.put(fleet.records())
        app.refresh_now()
        await app.workers.wait_for_complete()
        app.refresh_now()
        await pilot.pause()

    return app, run_before


def test_fleet_sorted_by_altitude_120x40(snap_compare, tmp_path):
    app, run_before = _fleet(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before, press=["s", "down"])


def test_fleet_crossed_filter_80x24(snap_compare, tmp_path):
    app, run_before = _fleet(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before, press=["f"] * 3)
