"""The app's core: layout, the session log, the run on screen, running and selection.

Data flow: the runner applies each event batch to the run's state and hands the batch to
:meth:`RunView.apply_batch` (cheap bookkeeping only); a 250 ms timer then repaints just
the rows that changed. Database work runs in thread workers and comes back through
``call_from_thread``; the pytest child is an asyncio subprocess on the app's own loop.
The actions that write to the session log and those that reach outside the app live in
``session_actions`` and ``outward_actions``; ``app.CockpitApp`` puts them together.
"""

from __future__ import annotations

import os
import shlex
import signal
import time
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Input, TabbedContent, TabPane

from cockpit.app.themes import DEFAULT_THEME, available, load_theme
from cockpit.app.views import log_reader
from cockpit.app.views.run_view import RunView
from cockpit.app.views.workspace import Workspace
from cockpit.app.widgets.clusters_panel import ClustersPanel
from cockpit.app.widgets.failure_detail import FailureDetailView, detail_renderable
from cockpit.app.widgets.module_table import ModuleTable
from cockpit.app.widgets.row_table import RowTable
from cockpit.app.widgets.run_header import RunHeader
from cockpit.app.widgets.session_panel import SessionPanel
from cockpit.app.widgets.test_table import TestTable
from cockpit.engine.state import FAILING_OUTCOMES, RunOutcome
from cockpit.engine.summary import summary_line
from cockpit.errors import CockpitError
from cockpit.session.recorded_run import ALL_TESTS, RecordedRun, RunPlan, plan_for_tests
from cockpit.settings import Settings
from cockpit.store.rows import FailureRow, failure_row
from cockpit.warm.starts import WarmStarts

REPAINT_INTERVAL = 0.25  # PROBES.md: 250 ms keeps a 10 ms timer's p99 near 63 ms
NARROW_BELOW = 160  # side by side only where the module table keeps ~40 columns
APP_TCSS = Path(__file__).with_name("app.tcss")


class CockpitCore(App[int]):
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
        self.warm: WarmStarts | None = None
        """The warm server runs fork from (started in the background on mount)."""
        self._detail_outcome: str | None = None
        """The outcome the detail pane shows, to redraw it when its test's outcome changes."""
        """False while the session log opens: a run asked for then waits, to be recorded."""

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield RunHeader()
        with TabbedContent(initial="modules-tab"):
            with TabPane("Modules", id="modules-tab"), Horizontal(id="modules-pane"):
                with Vertical(id="left"):
                    yield Input(
                        placeholder="filter modules: type here (ctrl+f)", id="module-filter"
                    )
                    yield ModuleTable(id="modules")
                with Vertical(id="right"):
                    yield TestTable(id="tests")
                    yield FailureDetailView(id="detail")
            with TabPane("Root causes", id="clusters-tab"):
                yield ClustersPanel(id="clusters")
            with TabPane("Session", id="session-tab"):
                yield SessionPanel(id="session")
        yield Footer()

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
            message = " ".join(str(error).split())[:200]
            self.call_from_thread(self._log_unavailable, message)
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
            self.action_run_all()

    @work(thread=True, exclusive=True, group="log-load")
    def _load_last_run(self) -> None:
        log = self.workspace.log
        assert log is not None
        loaded = log_reader.last_run(log)
        overview = log_reader.session_overview(log)
        durations = log_reader.known_durations(log, loaded.summary.id if loaded else None)
        self.call_from_thread(self._show_loaded, loaded, overview, durations)

    def _show_loaded(
        self,
        loaded: log_reader.LoadedRun | None,
        overview: log_reader.SessionOverview,
        durations: dict[str, float],
    ) -> None:
        self.durations = durations
        self.query_one(SessionPanel).show(overview)
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
        overview = log_reader.session_overview(log)
        self.call_from_thread(self.query_one(SessionPanel).show, overview)

    # -- showing a run -----------------------------------------------------------------
    def _show_view(self, view: RunView) -> None:
        self.view = view
        self.query_one(ModuleTable).show_view(view)
        self._show_tests(self.query_one(ModuleTable).selected_module)
        self.query_one(ClustersPanel).show_clusters(view.clusters())
        self._header()

    def _header(self) -> None:
        if self.active is not None:
            self.run_elapsed = time.monotonic() - self.run_started
        self.query_one(RunHeader).show(
            self.view,
            running=self.active is not None,
            ending=self.ending,
            elapsed=self.run_elapsed,
            filters=shlex.join(self.workspace.filter_args()),
            watching=self.watching,
        )

    def _tick(self) -> None:
        view = self.view
        if view is None:
            return
        if self.active is not None:
            if view.run_id is None:
                view.run_id = self.active.run_id  # known once the record is open
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
        if view.clusters_changed:
            self.query_one(ClustersPanel).show_clusters(view.clusters())

    def _refresh_detail(self, view: RunView) -> None:
        """The test in the detail pane finished (or started) since it was drawn: redraw."""
        shown = self.query_one(FailureDetailView).shown
        record = view.state.tests.get(shown) if shown is not None else None
        if record is not None and str(record.outcome) != self._detail_outcome:
            self._show_detail(shown)

    def _show_tests(self, module: str | None) -> None:
        self.query_one(TestTable).show_module(self.view, module)

    @on(RowTable.RowHighlighted, "#modules")
    def _module_highlighted(self, event: RowTable.RowHighlighted) -> None:
        if event.key != self.query_one(TestTable).module:
            self._show_tests(event.key)
            self._show_detail(None)

    @on(RowTable.RowHighlighted, "#tests")
    def _test_highlighted(self, event: RowTable.RowHighlighted) -> None:
        self._show_detail(event.key)

    def _show_detail(self, nodeid: str | None) -> None:
        view, pane = self.view, self.query_one(FailureDetailView)
        if view is None or nodeid is None:
            pane.show(Text("select a test to see its detail", style="dim"), None)
            return
        record = view.state.tests.get(nodeid)
        outcome = str(record.outcome) if record else "collection error"
        if record is not None and record.failure is not None:
            self._render_detail(nodeid, outcome, failure_row(record))
        elif view.run_id is not None and not view.live and self.workspace.log is not None:
            self._render_detail(nodeid, outcome, None)
            self._load_detail(view.run_id, nodeid, outcome)
        else:
            self._render_detail(nodeid, outcome, None)

    def _render_detail(self, nodeid: str, outcome: str, detail: FailureRow | None) -> None:
        view = self.view
        cluster = view.cluster_of(nodeid) if view and outcome in _FAILING_WORDS else None
        dark = self.current_theme.dark if self.current_theme else True
        self._detail_outcome = outcome
        self.query_one(FailureDetailView).show(
            detail_renderable(nodeid, outcome, detail, cluster, dark=dark), nodeid
        )

    @work(thread=True, exclusive=True, group="detail")
    def _load_detail(self, run_id: int, nodeid: str, outcome: str) -> None:
        log = self.workspace.log
        assert log is not None
        detail = log_reader.failure_detail(log, run_id, nodeid)
        if detail is not None:
            self.call_from_thread(self._detail_loaded, nodeid, outcome, detail)

    def _detail_loaded(self, nodeid: str, outcome: str, detail: FailureRow) -> None:
        if self.query_one(FailureDetailView).shown == nodeid:
            self._render_detail(nodeid, outcome, detail)

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
            previous_passed=self._current_module_passed(),
            known_durations=self.durations,
        )
        self._show_view(view)
        try:
            result = await active.execute(view.apply_batch)
        except OSError as error:  # pytest could not be started at all
            self.ending = RunOutcome.INTERNAL_ERROR
            self.notify(f"pytest could not start: {error}", severity="error", timeout=10)
            return
        except (CockpitError, SQLAlchemyError) as error:  # the session log failed
            if active.result is None:
                raise
            result = active.result
            detail = " ".join(str(error).split())[:200]
            self.notify(f"the run was not recorded: {detail}", severity="error", timeout=10)
        finally:
            self.active = None
        view.run_id = active.run_id
        self.ending = result.outcome
        self.run_elapsed = time.monotonic() - self.run_started
        self._tick()
        self._header()
        self._show_tests(self.query_one(ModuleTable).selected_module)
        if result.error:
            self.notify(result.error, severity="error", timeout=10)
        elif not self.quitting:
            self.notify(f"{summary_line(result.state)} ({result.outcome})", timeout=4)
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

    def _current_module_passed(self) -> dict[str, int] | None:
        view = self.view
        return passed_by_module(view) if view is not None else None

    def action_run_all(self) -> None:
        self.start_run(ALL_TESTS)

    def action_rerun(self) -> None:
        self.start_run(self.last_plan or ALL_TESTS)

    def action_run_failed(self) -> None:
        view = self.view
        failing = self._failing_targets(view.state.modules if view else ())
        if view is None or not failing:
            self.notify("no failing tests in the run on screen", severity="warning")
            return
        where = f"run {view.run_id}" if view.run_id else "the last run"
        self.start_run(plan_for_tests(failing, f"failed tests of {where} ({len(failing)})"))

    def _failing_targets(self, modules: Iterable[str]) -> list[str]:
        view = self.view
        if view is None:
            return []
        wanted = set(modules)
        targets = [
            nodeid
            for nodeid in view.state.failures
            if view.state.tests[nodeid].module in wanted
            and view.state.tests[nodeid].outcome in FAILING_OUTCOMES
        ]
        targets += [e.file for e in view.state.collection_errors if e.file in wanted]
        return targets

    @on(RowTable.RowSelected)
    def _row_selected(self, event: RowTable.RowSelected) -> None:
        """``enter`` on a module or a test: run it."""
        kind = "module" if isinstance(event.table, ModuleTable) else "test"
        self.start_run(RunPlan((event.key,), f"{kind} {event.key}"))

    @on(DataTable.RowSelected, "#cluster-table")
    def _cluster_selected(self) -> None:
        """``enter`` on a root cause: run its tests."""
        cluster = self.query_one(ClustersPanel).selected
        if cluster is not None:
            tests = cluster.tests
            reason = f"root cause {cluster.signature.key[:60]} ({len(tests)})"
            self.start_run(plan_for_tests(tests, reason))

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
            record = view.state.tests.get(tests.selected_test)
            if record is not None and record.outcome in FAILING_OUTCOMES:
                return [record.nodeid]
        module = self.query_one(ModuleTable).selected_module
        return self._failing_targets([module]) if module else []

    def _selected_nodeid(self) -> str | None:
        tests = self.query_one(TestTable)
        if self.focused is tests or self.query_one(FailureDetailView).shown:
            return tests.selected_test
        return self.query_one(ModuleTable).selected_module


_FAILING_WORDS = frozenset({"failed", "error", "crashed", "collection error"})


def passed_by_module(view: RunView) -> dict[str, int]:
    """Passed per module of the run on screen: the baseline of the next run's deltas."""
    return {path: tally.totals.passed for path, tally in view.state.modules.items()}
