"""The live view app: drains the inbox a few times a second and keeps the screen current.

Data flow: ingest threads -> Pipeline -> ``Inbox.put`` (a list append) ... UI timer (10 Hz) ->
``LiveModel.apply`` -> the rows of trackers that changed (the table rebuilds a row only if its
text changed), the detail pane of the selected tracker (its plot once a second), the event log.
Flight analysis of a tracker runs at most every few seconds in a worker thread; its result comes
back as a worker state change, in the UI thread. Nothing in an ingest thread touches a widget.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from groundstation.models import Fix
from groundstation.tui.analysis import Analysis, analyse
from groundstation.tui.crossings import Whereabouts
from groundstation.tui.fleet import SORT_COLUMNS, FleetView, count
from groundstation.tui.inbox import Inbox
from groundstation.tui.map_export import export_selected
from groundstation.tui.model import LiveModel
from groundstation.tui.screens.help import HelpScreen
from groundstation.tui.screens.main import MainScreen
from groundstation.tui.settings import LiveSettings, Station
from groundstation.tui.sources import Source
from groundstation.tui.widgets.detail import DetailPane
from groundstation.tui.widgets.event_log import EventLog
from groundstation.tui.widgets.fleet_summary import FleetSummary
from groundstation.tui.widgets.status_bar import StatusBar
from groundstation.tui.widgets.tracker_table import TrackerTable

log = logging.getLogger(__name__)

DisplayedHook = Callable[[list[float], float], None]
"""Called after a drain's changes were rendered: (arrival times of the batches, now)."""


class LiveApp(App[None]):
    CSS_PATH = "live.tcss"
    TITLE = "groundstation live"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("e", "toggle_events", "Events"),
        Binding("m", "export_map", "Map"),
        Binding("s", "sort(1)", "Sort"),
        Binding("S", "sort(-1)", "Sort back", show=False),
        Binding("r", "reverse", "Reverse", show=False),
        Binding("f", "filter(1)", "Filter"),
        Binding("F", "filter(-1)", "Filter back", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    def __init__(
        self,
        settings: LiveSettings | None = None,
        sources: Sequence[Source] = (),
        inbox: Inbox | None = None,
        *,
        export_folder: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or LiveSettings()
        self.sources = list(sources)
        self.inbox = inbox or Inbox()
        self.model = LiveModel(self.settings)
        self.fleet = FleetView()
        self.export_folder = export_folder or Path.cwd()
        self.message = ""
        self.main = MainScreen()
        self.on_displayed: DisplayedHook | None = None
        self._events_shown = 0
        self._analysing = False
        self._analysis_started: dict[str, float] = {}
        self._started = False
        self._stopped = False
        self._placed = (0, 0)  # (trackers, crossings) when the rows were last arranged
        self._notice: str | None = None

    # -- life cycle ----------------------------------------------------------------------------
    async def on_mount(self) -> None:
        await self.push_screen(self.main)
        table = self.main.query_one(TrackerTable)
        table.focus()
        table.watch_boundaries(bool(self.settings.boundaries))
        detail = self.main.query_one(DetailPane)
        detail.border_title = "Selected tracker"
        boundaries = self.settings.boundaries
        if boundaries:
            detail.where = Whereabouts(boundaries)  # (a line each: the text grows to fit)
        self.set_interval(self.settings.drain_interval_s, self.drain)
        self.set_interval(1.0, self.tick)
        self.start_sources()
        self._status()
        self._arrange()
        # Everything built so far (modules, styles, widgets) lives as long as the app: move it out
        # of the collector's reach, so that full collections, which stop the UI thread, stay short.
        gc.collect()
        gc.freeze()

    def start_sources(self) -> None:
        if self._started:
            return
        self._started = True
        for source in self.sources:
            source.start(self.inbox)

    def stop_sources(self) -> None:
        """Close ports and commit the last batch (blocks; safe to call twice)."""
        if self._stopped:
            return
        self._stopped = True
        if not self._started:
            return
        for source in self.sources:
            try:
                source.stop()
            except Exception:
                log.exception("stopping a source failed")

    def on_unmount(self) -> None:
        self.stop_sources()

    # -- the UI-thread side of the data flow ---------------------------------------------------
    def drain(self) -> None:
        """Take in everything the ingest threads queued since the last drain."""
        batches, events = self.inbox.take()
        changed: set[str] = set()
        for _, batch in batches:
            changed |= self.model.apply(batch)
        for event in events:
            self.model.port_event(event)
        if changed:
            self._show(changed)
            if self._placed != (len(self.model.trackers), self.model.crossing_count):
                self._arrange()  # new trackers and crossings are counted and placed at once
        if events:
            self._status()
        self._log_events()
        self._start_analysis()
        hook = self.on_displayed
        if hook is not None and batches:
            arrived = [t for t, _ in batches]
            self.call_after_refresh(lambda: hook(arrived, time.monotonic()))

    def tick(self) -> None:
        """Once a second: ages count on, stale trackers change colour, the plot catches up."""
        self.model.tick()
        notice, self._notice = self._notice, None
        if notice is not None:
            self.message = notice
        self._show(set(self.model.trackers), plot=True)
        self._arrange()
        self._log_events()
        self._status()

    def refresh_now(self) -> None:
        """Drain and tick at once (tests and snapshots call this instead of waiting)."""
        self.drain()
        self.tick()

    def _show(self, names: set[str], *, plot: bool = False) -> None:
        """Update the rows of ``names`` (the table redraws only rows whose text changed) and
        the detail pane if the selected tracker is one of them; its plot only if ``plot``: a
        drain adds a fraction of a second to a plot of the whole flight, so the plot follows
        once a second (``tick``) and at once when another tracker is selected."""
        now = self.settings.clock()
        station = self.model.station
        table = self.main.query_one(TrackerTable)
        trackers = self.model.trackers
        for name in sorted(names):  # new trackers in callsign order: the first one gets the cursor
            table.show(trackers[name], now, station)
        if table.selected in names:
            self._show_detail(plot=plot)

    def _arrange(self) -> None:
        """Sort and filter the rows, count the fleet (once a second, on new trackers, after
        flight analysis and when the crew changes the sort or the filter: rows do not jump
        about between)."""
        model, fleet = self.model, self.fleet
        trackers = model.trackers.values()
        names = fleet.order(trackers, model.station)
        self._placed = (len(model.trackers), model.crossing_count)
        placeholder = ""
        if not names and model.trackers:
            placeholder = f"no tracker is {fleet.filter} (f: next filter)"
        table = self.main.query_one(TrackerTable)
        table.set_order(names, placeholder)
        table.sort_indicator(SORT_COLUMNS[fleet.sort], fleet.arrow)
        self.main.query_one(FleetSummary).show(
            count(trackers), fleet.filter, fleet.describe(), bool(self.settings.boundaries)
        )

    def _show_detail(self, *, plot: bool = True) -> None:
        selected = self.main.query_one(TrackerTable).selected
        tracker = self.model.trackers.get(selected) if selected is not None else None
        self.main.query_one(DetailPane).show(
            tracker, self.settings.clock(), self.model.station, plot=plot
        )

    def _log_events(self) -> None:
        events = self.model.events
        if len(events) > self._events_shown:
            self.main.query_one(EventLog).add(events[self._events_shown :])
            self._events_shown = len(events)

    def _status(self) -> None:
        errors = [e for e in (s.error() for s in self.sources) if e]
        self.main.query_one(StatusBar).show(
            self.model.ports,
            self.settings.clock(),
            self.model.station,
            self.message,
            errors[0] if errors else None,
        )

    def on_tracker_table_highlighted(self, event: TrackerTable.Highlighted) -> None:
        self._show_detail()

    # -- flight analysis in a worker thread ----------------------------------------------------
    def _start_analysis(self) -> None:
        if self._analysing:
            return
        now = time.monotonic()
        due = self.model.due_for_analysis(now, self._analysis_started)
        if not due:
            return
        jobs = self.model.snapshot_fixes(due)
        for name in due:
            self._analysis_started[name] = now
        self._analysing = True
        self._analyse(jobs, self.model.station)

    @work(thread=True, group="analysis", exit_on_error=False)
    def _analyse(
        self,
        jobs: list[tuple[str, list[Fix], datetime]],
        station: Station | None,
    ) -> list[Analysis]:
        return [analyse(name, fixes, now, station) for name, fixes, now in jobs]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "analysis" or not event.worker.is_finished:
            return
        self._analysing = False
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, list):
            results: list[Analysis] = event.worker.result
            for result in results:
                self.model.set_analysis(result)
            self._show({r.tracker for r in results})
            self._arrange()
            self._log_events()
        elif event.state == WorkerState.ERROR:
            log.error("flight analysis failed: %s", event.worker.error)
        self._start_analysis()

    # -- keys ----------------------------------------------------------------------------------
    def action_cursor(self, step: int) -> None:
        table = self.main.query_one(TrackerTable)
        if step > 0:
            table.action_cursor_down()
        else:
            table.action_cursor_up()

    def action_sort(self, step: int) -> None:
        self.fleet.next_sort(step, station_known=self.model.station is not None)
        self._arrange()

    def action_reverse(self) -> None:
        self.fleet.reverse = not self.fleet.reverse
        self._arrange()

    def action_filter(self, step: int) -> None:
        self.fleet.next_filter(step, boundaries=bool(self.settings.boundaries))
        self._arrange()

    def action_toggle_events(self) -> None:
        self.main.query_one(EventLog).toggle_class("hidden")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_export_map(self) -> None:
        selected = self.main.query_one(TrackerTable).selected
        if selected is None:
            self.say("no tracker selected")
            return
        fixes = list(self.model.trackers[selected].fixes)
        self._export(selected, fixes)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, tracker: str, fixes: list[Fix]) -> None:
        message = export_selected(
            tracker, fixes, self.settings.db_path, self.settings.clock(), self.export_folder
        )
        self.call_from_thread(self.say, message)

    def notice(self, message: str) -> None:
        """A message for the status line from any thread (shown within a second)."""
        self._notice = message

    def say(self, message: str) -> None:
        """Show a message in the status line."""
        self.message = message
        self._status()
