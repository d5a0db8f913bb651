"""Snapshots of the main screens, fed from a deterministic emulator flight with a frozen clock.

Update after a deliberate change of the look with: pytest tests/tui --snapshot-update
"""

from __future__ import annotations

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
