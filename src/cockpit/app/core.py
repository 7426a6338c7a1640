"""The app's core: layout, the session log, the run on screen, running and selection.

Data flow: the runner applies each event batch to the run's state and hands the batch to
:meth:`RunView.apply_batch` (cheap bookkeeping only); a 250 ms timer then repaints just
the rows that changed. Database work runs in thread workers and comes back through
``call_from_thread``; the pytest child is an asyncio subprocess on the app's own loop.
The keys that start runs, the actions that write to the session log and those that reach
outside the app live in ``run_actions``, ``session_actions`` and ``outward_actions``;
``app.CockpitApp`` puts them together.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import time
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, TabbedContent, TabPane

from cockpit.app.detail_pane import DetailPane
from cockpit.app.notices import NoticesApp
from cockpit.app.picture_keeping import PictureKeeping, one_line
from cockpit.app.themes import DEFAULT_THEME, available, load_theme
from cockpit.app.views import log_reader
from cockpit.app.views.known import NO_KNOWN_ISSUES
from cockpit.app.views.marks import seconds
from cockpit.app.views.run_view import RunView
from cockpit.app.views.workspace import Workspace
from cockpit.app.widgets.clusters_panel import ClustersPanel
from cockpit.app.widgets.failure_detail import FailureDetailView
from cockpit.app.widgets.key_bar import KeyBar
from cockpit.app.widgets.module_table import ModuleTable
from cockpit.app.widgets.row_table import RowTable
from cockpit.app.widgets.run_header import RunHeader
from cockpit.app.widgets.session_panel import SessionPanel
from cockpit.app.widgets.tab_titles import retitle, tab_titles
from cockpit.app.widgets.test_table import TestTable
from cockpit.engine.display import visible
from cockpit.engine.ending import RunResult
from cockpit.engine.state import FAILING_OUTCOMES, RunOutcome
from cockpit.engine.summary import summary_counts
from cockpit.errors import CockpitError
from cockpit.session.recorded_run import ALL_TESTS, RecordedRun, RunPlan
from cockpit.settings import Settings
from cockpit.store.rows import FailureRow
from cockpit.suite.picture import SuitePicture, covered_by
from cockpit.warm.starts import WarmStarts

REPAINT_INTERVAL = 0.25  # PROBES.md: 250 ms keeps a 10 ms timer's p99 near 63 ms
NARROW_BELOW = 160  # side by side only where the module table keeps ~40 columns
APP_TCSS = Path(__file__).with_name("app.tcss")


class CockpitCore(PictureKeeping, DetailPane, NoticesApp):
    """State and behaviour every action builds on."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        theme: str | None = None,
        run_on_start: bool = False,
        open_log: bool = True,
    ) -> None:
        self.theme_files = available()
        super().__init__(
            css_path=[APP_TCSS, *(t.stylesheet for t in self.theme_files if t.stylesheet)]
        )
        self.workspace = workspace
        self.requested_theme = theme
        self.run_on_start = run_on_start
        self.open_log = open_log
        self.view: RunView | None = None
        self.active: RecordedRun | None = None
        self.ending: RunOutcome | str | None = None
        self.last_plan: RunPlan | None = None
        self.next_plan: RunPlan | None = None
        self.run_started = 0.0
        self.run_elapsed = 0.0
        self.durations: dict[str, float] = {}
        self.watching = False
        self.quitting = False
        self.log_ready = not open_log
        self.evidence_shown: log_reader.EvidenceCache = {}
        """What each fix's evidence shows, counted once (two runs' results each)."""
        self.known = NO_KNOWN_ISSUES
        """The session's open known issues, whose tests every table marks."""
        self.session_runs: int | None = None
        """How many runs the session log holds for this session (None before it is read)."""
        self.warm: WarmStarts | None = None
        """The warm server runs fork from (started in the background on mount)."""
        self._detail_outcome: str | None = None
        self.full_traceback = False
        self._shown_detail: FailureRow | None = None
        """``v``: the detail pane shows pytest's whole traceback instead of the folded one."""
        """The outcome the detail pane shows, to redraw it when its test's outcome changes."""
        """False while the session log opens: a run asked for then waits, to be recorded."""

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield RunHeader(self.workspace.project.folder)
        titles = tab_titles(0, 0, None)
        with TabbedContent(initial="modules-tab"):
            with (
                TabPane(titles["modules-tab"], id="modules-tab"),
                Horizontal(id="modules-pane"),
            ):
                with Vertical(id="left"):
                    yield Input(
                        placeholder="filter modules: type here (ctrl+f)", id="module-filter"
                    )
                    yield ModuleTable(id="modules")
                with Vertical(id="right"):
                    yield TestTable(id="tests")
                    yield FailureDetailView(id="detail")
            with TabPane(titles["clusters-tab"], id="clusters-tab"):
                yield ClustersPanel(id="clusters")
            with TabPane(titles["session-tab"], id="session-tab"):
                yield SessionPanel(id="session")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        for files in self.theme_files:
            self.register_theme(load_theme(files))
        names = [files.name for files in self.theme_files]
        wanted = self.requested_theme or Settings.load().theme or DEFAULT_THEME
        self.theme = wanted if wanted in names else DEFAULT_THEME
        self._narrow(self.size.width)
        self.set_interval(REPAINT_INTERVAL, self._tick)
        self.query_one(ModuleTable).focus()
        self._header()
        if self.workspace.warm:
            self.warm = self.workspace.project.warm_starts(self._warm_notice)
            self.warm.prepare()
        if self.open_log and self.workspace.log is None:
            self._open_log()
        else:
            self._after_log_opened()

    def _warm_notice(self, text: str) -> None:
        self.notify(text, timeout=6)

    def on_resize(self, event: events.Resize) -> None:
        self._narrow(event.size.width)

    def _narrow(self, width: int) -> None:
        self.screen.set_class(width < NARROW_BELOW, "narrow")

    # -- the session log ---------------------------------------------------------------
    @work(thread=True, exclusive=True, group="log")
    def _open_log(self) -> None:
        try:
            log = self.workspace.project.open_log()
        except Exception as error:  # the app keeps running, without a log
            self.call_from_thread(self._log_unavailable, one_line(error))
            return
        self.workspace.log = log
        self.call_from_thread(self._after_log_opened)

    def _log_unavailable(self, message: str) -> None:
        self.notify(f"session log unavailable: {message}", severity="error", timeout=8)
        self.query_one(SessionPanel).show(None, f"no session log: {message}")
        self._log_settled()

    def _after_log_opened(self) -> None:
        if self.workspace.log is not None:
            self._load_last_run()
        else:
            self._log_settled()

    def _log_settled(self) -> None:
        """The log is open (or will not be): start what was asked for meanwhile."""
        self.log_ready = True
        plan, self.next_plan = self.next_plan, None
        if plan is not None:
            self.start_run(plan)
        elif self.run_on_start:
            self.start_run(ALL_TESTS)

    @work(thread=True, exclusive=True, group="log-load")
    def _load_last_run(self) -> None:
        log = self.workspace.log
        assert log is not None
        loaded = log_reader.last_run(log)
        picture = loaded.picture if loaded else log_reader.session_picture(log)
        overview = log_reader.session_overview(log, self.evidence_shown)
        durations = log_reader.known_durations(log, loaded.summary.id if loaded else None)
        self.call_from_thread(self._show_loaded, loaded, overview, durations, picture)

    def _show_loaded(
        self,
        loaded: log_reader.LoadedRun | None,
        overview: log_reader.SessionOverview,
        durations: dict[str, float],
        picture: SuitePicture,
    ) -> None:
        self.durations = durations
        if self.picture is None:
            self.picture = picture
            self._refresh_stale()
        self._show_overview(overview)
        if loaded is not None and self.active is None:
            self.ending = loaded.summary.outcome
            self.run_elapsed = loaded.summary.duration or 0.0
            self._show_view(loaded.view)
        self._log_settled()

    @work(thread=True, exclusive=True, group="log-refresh")
    def _refresh_session(self) -> None:
        log = self.workspace.log
        if log is None:
            return
        overview = log_reader.session_overview(log, self.evidence_shown)
        self.call_from_thread(self._show_overview, overview)

    def _show_overview(self, overview: log_reader.SessionOverview) -> None:
        self.session_runs = len(overview.runs)
        self.query_one(SessionPanel).show(overview)
        self._retitle_tabs()
        self.known = overview.known
        view = self.view
        if view is not None and view.known != self.known:
            view.set_known(self.known)
            self._tick()  # the marked modules' rows and the root causes
            self._show_tests(self.query_one(ModuleTable).selected_module)
            self._header()

    # -- showing a run -----------------------------------------------------------------
    def _show_view(self, view: RunView) -> None:
        self.view = view
        view.set_known(self.known)
        self.query_one(ModuleTable).show_view(view)
        self._show_tests(self.query_one(ModuleTable).selected_module)
        self.query_one(ClustersPanel).show_clusters(view.clusters(), view.known)
        self._header()
        self._retitle_tabs()

    def _retitle_tabs(self) -> None:
        causes = len(self.query_one(ClustersPanel).clusters)
        modules = self.query_one(ModuleTable).row_count
        retitle(self.query_one(TabbedContent), tab_titles(modules, causes, self.session_runs))

    def _header(self) -> None:
        if self.active is not None:
            self.run_elapsed = time.monotonic() - self.run_started
        self.query_one(ModuleTable).set_watching(self.watching)
        self.query_one(RunHeader).show(
            self.view,
            running=self.active is not None,
            ending=self.ending,
            elapsed=self.run_elapsed,
            filters=shlex.join(self.workspace.filter_args()),
            watching=self.watching,
        )
        self.query_one(KeyBar).show_state(running=self.active is not None, watching=self.watching)

    def _tick(self) -> None:
        view = self.view
        if view is None or not self.is_running:  # a late worker's answer during shutdown
            return
        if self.active is not None:
            if view.run_id is None:
                view.run_id = self.active.run_id  # known once the record is open
            self._header()
        if view.rows_replaced:
            view.rows_replaced = False
            self.query_one(ModuleTable).show_view(view)
            self._header()
        dirty = view.take_dirty_modules()
        if dirty:
            table = self.query_one(ModuleTable)
            table.refresh_modules(dirty)
            tests = self.query_one(TestTable)
            selected = table.selected_module
            if selected != tests.module:
                self._show_tests(selected)
            elif selected in dirty:
                tests.refresh_tests()
                self._refresh_detail(view)
        self._gather_evidence(view)
        if view.clusters_changed:
            self.query_one(ClustersPanel).show_clusters(view.clusters(), view.known)
            self._retitle_tabs()
        elif dirty:
            self._retitle_tabs()

    def _gather_evidence(self, view: RunView) -> None:
        """Fetch what root causes need from the session log (``RootCauseActions``)."""

    def _show_tests(self, module: str | None) -> None:
        self.query_one(TestTable).show_module(self.view, module)
        self._show_module_error(module)

    @on(RowTable.RowHighlighted, "#modules")
    def _module_highlighted(self, event: RowTable.RowHighlighted) -> None:
        if event.key != self.query_one(TestTable).module:
            self._show_detail(None)
            self._show_tests(event.key)

    def _show_module_error(self, module: str | None) -> None:
        """A module (or conftest folder) that failed to import: its error in the detail
        pane (``RootCauseActions``)."""

    @on(RowTable.RowHighlighted, "#tests")
    def _test_highlighted(self, event: RowTable.RowHighlighted) -> None:
        self._show_detail(event.key)

    @on(Input.Changed, "#module-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(ModuleTable).set_filter(event.value)

    @on(Input.Submitted, "#module-filter")
    def _filter_done(self) -> None:
        self.query_one(ModuleTable).focus()

    # -- running -----------------------------------------------------------------------
    def start_run(self, plan: RunPlan) -> None:
        """Run ``plan`` now; a run already going is cancelled first (cleanly, recorded)."""
        if self.quitting:
            return
        if not self.log_ready:
            self.next_plan = plan
            self.notify("opening the session log; the run starts when it is open", timeout=3)
            return
        if self.advancing:  # the last run is being folded into the picture: right after
            self.next_plan = plan
            return
        if self.active is not None:
            self.next_plan = plan
            self.run_worker(self.active.cancel(), group="cancel")
            return
        self.last_plan = plan
        self.run_worker(self._execute(plan), group="run")

    async def _execute(self, plan: RunPlan, rerun: RecordedRun | None = None) -> None:
        active = rerun or self.workspace.start(plan, self.warm)
        self.active = active
        self.ending = None
        self.run_started = time.monotonic()
        view = RunView(
            active.state,
            reason=plan.reason,
            live=True,
            known_durations=self.durations,
            picture=self.picture,
            covered=covered_by(active.request.pytest_args, active.whole_suite),
        )
        self._show_view(view)
        try:
            result = await active.execute(view.apply_batch)
            elapsed = await self._recorded_elapsed(active)  # while the run is still active
        except OSError as error:  # pytest could not be started at all
            self.ending = RunOutcome.INTERNAL_ERROR
            self.notify(f"pytest could not start: {error}", severity="error", timeout=10)
            return
        except (CockpitError, SQLAlchemyError) as error:  # the session log failed
            if active.result is None:
                raise
            result, elapsed = active.result, time.monotonic() - self.run_started
            self.notify(
                f"the run was not recorded: {one_line(error)}", severity="error", timeout=10
            )
        finally:
            self.active = None
        view.run_id = active.run_id
        view.settle(active.regressions)
        await self._advance_picture(active.run_id)
        self.ending = result.outcome
        self.run_elapsed = elapsed
        self._tick()
        self._header()
        self._show_tests(self.query_one(ModuleTable).selected_module)
        self._tell_ending(result)
        self.durations = {
            nodeid: record.duration
            for nodeid, record in result.state.tests.items()
            if record.finished
        } or self.durations
        self._refresh_session()
        cold = active.cold_rerun()  # a warm run crashed: the fork's doing or the tests'?
        if cold is not None and not self.quitting and self.next_plan is None:
            self.notify("the warm run crashed: rerunning it cold", severity="warning")
            self.run_worker(self._execute(plan, cold), group="run")
            return
        plan_next, self.next_plan = self.next_plan, None
        if plan_next is not None and not self.quitting:
            self.start_run(plan_next)

    async def _recorded_elapsed(self, active: RecordedRun) -> float:
        """The run's time as its record says (the session table's), else the app's clock."""
        log, run_id = self.workspace.log, active.run_id
        recorded = None
        if log is not None and run_id is not None:
            with suppress(SQLAlchemyError):  # the clock's figure is the next best
                recorded = await asyncio.to_thread(log_reader.run_duration, log, run_id)
        return recorded if recorded is not None else time.monotonic() - self.run_started

    def _tell_ending(self, result: RunResult) -> None:
        """The run's ending in a notice, with what is said of it beyond its counts."""
        notices = [visible(notice.message) for notice in result.notices]
        if result.error:
            self.notify(visible(result.error), severity="error", timeout=10)
        elif not self.quitting:
            line = f"{summary_counts(result.state)} in {seconds(self.run_elapsed)}"
            self.notify(f"{line} ({result.outcome})", timeout=4)
        if notices and not self.quitting:
            self.notify("\n".join(notices), severity="warning", timeout=10)

    def _failing_targets(self, modules: Iterable[str]) -> list[str]:
        view = self.view
        return view.failing_in(modules) if view is not None else []

    def action_cancel_run(self) -> None:
        if self.active is None:
            self.notify("no run is going", severity="warning")
            return
        self.next_plan = None
        self.run_worker(self.active.cancel(), group="cancel")

    async def action_quit_cockpit(self) -> None:
        """Quit, cancelling a run cleanly: no pytest process outlives the app."""
        self.quitting = True
        self.next_plan = None
        active = self.active
        if active is not None:
            await active.cancel()
            for worker in list(self.workers):
                if worker.group == "run":
                    with suppress(Exception):
                        await worker.wait()
        if self.warm is not None:
            await self.warm.close()
        if self.workspace.log is not None:
            self.workspace.log.close()
        self.exit(0)

    def on_unmount(self) -> None:
        """A last resort if the app ends some other way while pytest still runs."""
        active = self.active
        process = active.run.process if active else None
        if process is not None and process.returncode is None:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        if self.warm is not None:
            self.warm.kill_now()

    # -- selection helpers -------------------------------------------------------------
    def _selected_failures(self) -> list[str]:
        """The failing tests the user points at: the test, the root cause or the module."""
        tabs = self.query_one(TabbedContent)
        if tabs.active == "clusters-tab":
            cluster = self.query_one(ClustersPanel).selected
            return list(cluster.tests) if cluster else []
        view = self.view
        tests = self.query_one(TestTable)
        if view is not None and self.focused is tests and tests.selected_test:
            record = view.record(tests.selected_test)
            if record is not None and record.outcome in FAILING_OUTCOMES:
                return [record.nodeid]
        module = self.query_one(ModuleTable).selected_module
        return self._failing_targets([module]) if module else []

    def _selected_nodeid(self) -> str | None:
        tests = self.query_one(TestTable)
        if self.focused is tests or self.query_one(FailureDetailView).shown:
            return tests.selected_test
        return self.query_one(ModuleTable).selected_module
