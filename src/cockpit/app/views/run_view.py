"""What the app shows of one run: its state plus the figures around it. Pure, no Textual.

The runner applies every event to the :class:`~cockpit.engine.state.RunState`; this view notes
which modules a batch touched (so the screen repaints only their rows, on its own timer),
feeds new failures to an incremental :class:`~cockpit.rootcause.clusters.Clusterer`, and
keeps the running sum behind the time-left estimate. A batch costs O(events in it).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cockpit.app.views.known import NO_KNOWN_ISSUES, KnownIssues
from cockpit.app.views.suite_overlay import ModuleAge, SuiteCounts, SuiteOverlay
from cockpit.engine.events import Event, PhasesPassed, TestReport
from cockpit.engine.state import FAILING_OUTCOMES, ModuleTally, RunState, TestRecord, module_of
from cockpit.rootcause.clusters import Cluster, Clusterer, error_outcome, with_regressions
from cockpit.rootcause.evidence import Evidence
from cockpit.rootcause.regression import Change, RegressionGroup, find_regressions
from cockpit.suite.picture import SuitePicture

# Below this share of tests with a recorded duration, the estimate uses the run's own pace.
_KNOWN_SHARE = 0.5
_PACE_AFTER = 20
"""Tests finished before the run's own pace is trusted."""


@dataclass(slots=True)
class RunView:
    """One run as the screen shows it: live (streaming) or loaded from the session log."""

    state: RunState
    reason: str
    """What was asked for: ``the whole suite``, ``failed tests of run 12``..."""
    run_id: int | None = None
    live: bool = False
    rootdir: str | None = None
    picture: SuitePicture | None = None
    """The session picture of the runs before this one: the modules it does not run stay
    on screen as last seen, and ``Δpass`` compares each test with its own previous result."""
    covered: tuple[str, ...] | None = None
    """What this run covers whole (``("",)``: everything; see ``engine.pytest_args``)."""
    known_durations: Mapping[str, float] = field(default_factory=dict)
    """Each test's duration in its last recorded run, for the time-left estimate."""
    known: KnownIssues = NO_KNOWN_ISSUES
    """The session's open known issues: their tests are marked (``set_known``)."""
    dirty_modules: set[str] = field(default_factory=set)
    clusters_changed: bool = True
    _clusterer: Clusterer | None = None
    _clustered_failures: int = 0
    _clustered_errors: int = 0
    _expected_done: float = 0.0
    _tests_by_module: dict[str, list[str]] = field(default_factory=dict)
    _indexed_tests: int = 0
    _typical: float | None = None
    """The mean recorded duration: what a test without one is expected to take."""
    _expected_total: tuple[int, float] = (-1, 0.0)
    """(tests collected when summed, the sum of their recorded durations)."""
    history: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Each failing test's result in the previous run that covered it (fetched live)."""
    changes: dict[int, Change | None] = field(default_factory=dict)
    """What changed since each of those runs (None: a run without a snapshot)."""
    settled: dict[str, RegressionGroup] | None = None
    """The regressions as the session log stored them, once the run is recorded."""
    _asked: set[str] = field(default_factory=set)
    _evidence_asked: set[str] = field(default_factory=set)
    _pace_origin: tuple[float, int] | None = None
    """(elapsed, tests finished) when the collection was first seen: the run's pace is
    measured from there, so the seconds pytest spent collecting do not count as testing."""
    overlay: SuiteOverlay | None = None
    rows_replaced: bool = False
    """The set of rows changed at once (the collection came in): rebuild the table."""

    def __post_init__(self) -> None:
        if self.picture is not None:
            self.overlay = SuiteOverlay(self.picture, self.state, self.covered)
        self._clusterer = Clusterer(self.rootdir)
        self.dirty_modules.update(self.state.modules)
        if not self.live:  # a recorded run's failure texts come through add_recorded_failure
            self._clustered_failures = len(self.state.failures)
            self._clustered_errors = len(self.state.collection_errors)

    def add_recorded_failure(
        self, nodeid: str, message: str, longrepr: str, *, collection: str | None = None
    ) -> None:
        """Cluster one failure of a run loaded from the session log (``collection``: the
        kind of a collection error)."""
        assert self._clusterer is not None
        record = self.state.tests.get(nodeid)
        if collection is not None or record is None:
            outcome = error_outcome(collection or "module")
            self._clusterer.add(nodeid, nodeid, outcome, message, longrepr)
        else:
            outcome = "crashed" if record.crashed else str(record.outcome)
            self._clusterer.add(nodeid, record.module, outcome, message or outcome, longrepr)
        self.clusters_changed = True

    # -- feeding -------------------------------------------------------------------------
    def apply_batch(self, batch: Iterable[Event]) -> None:
        """Note what a batch (already applied to the state) changed."""
        durations = self.known_durations
        for event in batch:
            nodeid = getattr(event, "nodeid", None)
            if nodeid is None:
                file = getattr(event, "file", None)  # collection errors and skips
                if file is not None:
                    self.dirty_modules.add(file)
                elif hasattr(event, "items") or hasattr(event, "what"):
                    self.dirty_modules.update(self.state.modules)  # collection, startup error
                    self.rows_replaced = self.overlay is not None
                continue
            record = self.state.tests.get(nodeid)
            self.dirty_modules.add(record.module if record else module_of(nodeid))
            ended = (isinstance(event, TestReport) and event.when in ("teardown", "???")) or (
                isinstance(event, PhasesPassed) and "teardown" in event.phases
            )
            if ended:
                self._expected_done += durations.get(nodeid, self._typical_duration())
        if self.state.session is not None and self.rootdir is None:
            self.rootdir = self.state.session.rootdir  # project paths relative to it
            assert self._clusterer is not None
            self._clusterer.rootdir = self.rootdir
        self._cluster_new_failures()

    def _cluster_new_failures(self) -> None:
        assert self._clusterer is not None
        state = self.state
        failures = state.failures
        while self._clustered_failures < len(failures):
            record = state.tests[failures[self._clustered_failures]]
            self._clustered_failures += 1
            report = record.failure
            message = report.crash.message if report and report.crash else ""
            if report is None and record.outcome not in FAILING_OUTCOMES:
                continue
            outcome = "crashed" if record.crashed else str(record.outcome)
            longrepr = report.longrepr or "" if report else ""
            self._clusterer.add(record.nodeid, record.module, outcome, message or outcome, longrepr)
            self.clusters_changed = True
        errors = state.collection_errors
        while self._clustered_errors < len(errors):
            error = errors[self._clustered_errors]
            self._clustered_errors += 1
            self._clusterer.add(
                error.file, error.file, error_outcome(error.kind), error.message, error.longrepr
            )
            self.clusters_changed = True

    def set_known(self, known: KnownIssues) -> None:
        """Mark another set of known-issue tests: the rows of every module either set names
        are redrawn, and the root causes (whose marks follow their tests)."""
        if known == self.known:
            return
        touched = set(self.known.modules) | set(known.modules)
        self.known = known
        self.dirty_modules.update(touched & self.state.modules.keys())
        self.clusters_changed = True

    def known_failing(self) -> int:
        """The failing tests of this run that a known issue names (the header's "known")."""
        if not self.known:
            return 0
        tests = self.state.tests
        failing = sum(
            1
            for nodeid in self.state.failures
            if nodeid in self.known and tests[nodeid].outcome in FAILING_OUTCOMES
        )
        errors = sum(1 for error in self.state.collection_errors if error.file in self.known)
        return failing + errors

    def take_dirty_modules(self) -> set[str]:
        dirty, self.dirty_modules = self.dirty_modules, set()
        if self.overlay is not None:
            self.overlay.forget(dirty)
        return dirty

    # -- reading -------------------------------------------------------------------------
    def clusters(self) -> list[Cluster]:
        """The root causes: signatures, with regressions regrouped (as the log stores them
        once the run is recorded; live, from the history fetched so far)."""
        self.clusters_changed = False
        return self._regrouped()

    def _regrouped(self) -> list[Cluster]:
        assert self._clusterer is not None
        return with_regressions(self._clusterer.clusters(), self.regressions())

    def regressions(self) -> dict[str, RegressionGroup]:
        if self.settled is not None:
            return self.settled
        if not self.history:
            return {}
        assert self._clusterer is not None
        members = {cluster.key: cluster.tests for cluster in self._clusterer.clusters()}
        changes = {run: change for run, change in self.changes.items() if change is not None}
        tests = self.state.tests
        modules = {nodeid: tests[nodeid].module for nodeid in self.history if nodeid in tests}
        return find_regressions(members, self.history, changes, modules)

    def history_wanted(self) -> dict[str, str]:
        """Failing tests (node id -> module) whose previous result is not fetched yet:
        marked asked, so each is fetched once."""
        wanted = {
            nodeid: self.state.tests[nodeid].module
            for nodeid in self.state.failures
            if nodeid not in self._asked and nodeid in self.state.tests
        }
        self._asked.update(wanted)
        return wanted

    def add_history(
        self, history: dict[str, tuple[int, str]], changes: dict[int, Change | None]
    ) -> None:
        self.history.update(history)
        self.changes.update(changes)
        self.clusters_changed = True

    def evidence_wanted(self) -> list[Cluster]:
        """Clusters whose hint asks for project files not read yet (each asked once)."""
        assert self._clusterer is not None
        wanted = [
            cluster
            for cluster in self._clusterer.clusters()
            if cluster.evidence_request is not None and cluster.key not in self._evidence_asked
        ]
        self._evidence_asked.update(cluster.key for cluster in wanted)
        return wanted

    def add_evidence(self, found: list[tuple[Cluster, Evidence]]) -> None:
        for cluster, evidence in found:
            cluster.evidence = evidence
        self.clusters_changed = bool(found) or self.clusters_changed

    def settle(self, groups: dict[str, RegressionGroup]) -> None:
        """The run is over and recorded: its regressions are what the log stored, and
        what its ending added (a startup error read from pytest's stderr) is shown."""
        self.settled = dict(groups)
        self.clusters_changed = True
        self.dirty_modules.update(self.state.modules)
        self._cluster_new_failures()

    def cluster_of(self, nodeid: str) -> Cluster | None:
        for cluster in self._regrouped():
            if nodeid in cluster.tests:
                return cluster
        return None

    def blocked_tests(self, folder: str) -> int:
        """Tests a failing conftest blocks: those under its folder in the last run that
        collected them (what the app knows of the suite)."""
        prefix = "" if folder == "./" else folder
        return sum(1 for nodeid in self.known_durations if nodeid.startswith(prefix))

    def _live_tests_of(self, module: str) -> list[str]:
        """The node ids this run has of one module, in collection order."""
        tests = self.state.tests
        if self._indexed_tests != len(tests):
            index = self._tests_by_module
            for nodeid in itertools.islice(tests, self._indexed_tests, None):
                index.setdefault(tests[nodeid].module, []).append(nodeid)
            self._indexed_tests = len(tests)
        return self._tests_by_module.get(module, [])

    def tests_of(self, module: str) -> list[str]:
        """The node ids of one module: this run's in collection order, then those it did
        not run as last seen."""
        live = self._live_tests_of(module)
        if self.overlay is None:
            return live
        carried = self.overlay.carried(module)
        return [*live, *(state.nodeid for state in carried)] if carried else live

    # -- the suite as last seen --------------------------------------------------------
    def modules(self) -> Mapping[str, ModuleTally]:
        """Every module on screen: this run's, and the others as last seen."""
        return self.overlay.modules() if self.overlay is not None else self.state.modules

    def module_tally(self, path: str) -> ModuleTally | None:
        if self.overlay is None:
            return self.state.modules.get(path)
        return self.overlay.tally(path)

    def record(self, nodeid: str) -> TestRecord | None:
        """A test of this run, or of the picture when this run did not run it."""
        record = self.state.tests.get(nodeid)
        if record is None and self.overlay is not None:
            return self.overlay.record(nodeid)
        return record

    def result_run(self, nodeid: str) -> int | None:
        """The recorded run a test's result on screen comes from (None: this live run)."""
        if self.overlay is not None:
            carried = self.overlay.result_run(nodeid)
            if carried is not None:
                return carried
        return None if self.live else self.run_id

    def age(self, path: str) -> ModuleAge | None:
        return self.overlay.age(path) if self.overlay is not None else None

    def set_stale(self, stale: Mapping[str, bool | None]) -> None:
        if self.overlay is not None:
            self.overlay.stale = stale
            self.overlay.forget(set(stale))
            self.rows_replaced = True

    def suite_counts(self) -> SuiteCounts | None:
        """The suite as last seen, when the screen shows more than this run."""
        overlay = self.overlay
        if overlay is None or not overlay.shows_more():
            return None
        return overlay.counts()

    def failing_in(self, modules: Iterable[str]) -> list[str]:
        """The failing tests on screen in ``modules`` and those of them that do not import:
        this run's first, then those from earlier runs (a rerun of what fails has them)."""
        wanted = set(modules)
        tests = self.state.tests
        targets = [
            nodeid
            for nodeid in self.state.failures
            if tests[nodeid].module in wanted and tests[nodeid].outcome in FAILING_OUTCOMES
        ]
        targets += [e.file for e in self.state.collection_errors if e.file in wanted]
        if self.overlay is None:
            return targets
        for module in sorted(wanted):
            tally = self.module_tally(module)
            if module not in self.state.modules and tally and tally.collection_error:
                targets.append(module)
            for state in self.overlay.carried(module):
                if state.outcome in ("failed", "error", "crashed"):
                    targets.append(state.nodeid)
        return targets

    def passed_delta(self, module: str) -> int | None:
        """Passed now minus passed before in a module this run ran, test by test."""
        if self.overlay is None:
            return None
        return self.overlay.passed_delta(module, self._live_tests_of(module))

    @property
    def workers(self) -> int:
        session = self.state.session
        return session.workers if session is not None and session.workers else 1

    def seconds_left(self, elapsed: float) -> tuple[float, str] | None:
        """An estimate of the time left, and what it is based on; None before it can tell.

        Two estimates, and the larger wins, so the time left is never below what is plainly
        left: the recorded duration of each test still to run (when most tests have one; a
        test without one counts as a typical test), divided among xdist workers; and this
        run's own pace, once 20 tests have finished (it also counts what durations leave
        out: pytest's own work between tests).
        """
        state = self.state
        remaining = state.collected - state.finished
        if not self.live or state.collected == 0 or remaining <= 0:
            return None
        estimates = [
            (left, basis)
            for left, basis in (
                (self._recorded_left(), "recorded durations"),
                (self._pace_left(elapsed, remaining), "this run's pace"),
            )
            if left is not None
        ]
        return max(estimates) if estimates else None

    def _typical_duration(self) -> float:
        known = self.known_durations
        if self._typical is None:
            self._typical = sum(known.values()) / len(known) if known else 0.0
        return self._typical

    def _recorded_left(self) -> float | None:
        state, known = self.state, self.known_durations
        if not known or len(known) < _KNOWN_SHARE * state.collected:
            return None
        if self._expected_total[0] != state.collected:
            typical = self._typical_duration()
            total = sum(known.get(nodeid, typical) for nodeid in state.tests)
            self._expected_total = (state.collected, total)
        return max(0.0, self._expected_total[1] - self._expected_done) / self.workers

    def _pace_left(self, elapsed: float, remaining: int) -> float | None:
        state = self.state
        if self._pace_origin is None:
            self._pace_origin = (elapsed, state.finished)
        since, done_before = self._pace_origin
        done = state.finished - done_before
        if done < _PACE_AFTER or elapsed <= since:
            return None
        return (elapsed - since) / done * remaining
