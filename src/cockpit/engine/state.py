"""The live state of one run: pure logic, fed events, read by every front end.

Counts follow pytest's own summary line: each phase report is counted under the
category pytest's terminal reporter gives it, so a test that passes and then fails in
teardown counts once as passed and once as an error, exactly as ``pytest -q`` says.
A collection error counts as one error of its module. Applying an event is O(1), so the
state can follow a 50,000-test run without costing the run anything noticeable.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from cockpit.engine.events import (
    CollectionError,
    CollectionFinished,
    CollectionSkipped,
    Deselected,
    Event,
    ImportsSeen,
    PhasesPassed,
    SessionFinished,
    SessionStarted,
    StartupError,
    TestReport,
    TestStarted,
    WarningRecorded,
)
from cockpit.engine.setup_errors import blocked_folder, conftest_of

CATEGORIES = ("passed", "failed", "errors", "skipped", "xfailed", "xpassed")
_CATEGORY_FIELD = {
    "passed": "passed",
    "failed": "failed",
    "error": "errors",
    "skipped": "skipped",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
}


class TestOutcome(enum.StrEnum):
    """The latest outcome of one test in this run."""

    __test__ = False  # a domain name, not a test class for pytest to collect

    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"
    CRASHED = "crashed"


FAILING_OUTCOMES = frozenset({TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.CRASHED})
# Which outcome wins when phases disagree (a passed call then a failed teardown is an error).
_SEVERITY = {
    TestOutcome.PENDING: 0,
    TestOutcome.RUNNING: 0,
    TestOutcome.PASSED: 1,
    TestOutcome.SKIPPED: 1,
    TestOutcome.XFAILED: 1,
    TestOutcome.XPASSED: 1,
    TestOutcome.ERROR: 2,
    TestOutcome.FAILED: 3,
    TestOutcome.CRASHED: 4,
}


class RunOutcome(enum.StrEnum):
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    INTERNAL_ERROR = "internal-error"
    USAGE_ERROR = "usage-error"
    NO_TESTS = "no-tests"
    CRASHED = "crashed"
    CONFTEST_ERROR = "conftest-error"
    """A conftest could not be imported: pytest stopped before collecting anything."""
    PLUGIN_ERROR = "plugin-error"
    """A plugin (``-p``, ``pytest_plugins``) could not be imported: likewise."""


_OUTCOME_OF_EXITSTATUS = {
    0: RunOutcome.PASSED,
    1: RunOutcome.FAILED,
    2: RunOutcome.INTERRUPTED,
    3: RunOutcome.INTERNAL_ERROR,
    4: RunOutcome.USAGE_ERROR,
    5: RunOutcome.NO_TESTS,
}


_OUTCOME_OF_STARTUP = {
    "conftest": RunOutcome.CONFTEST_ERROR,
    "plugin": RunOutcome.PLUGIN_ERROR,
}


def outcome_of_exitstatus(exitstatus: int) -> RunOutcome:
    return _OUTCOME_OF_EXITSTATUS.get(exitstatus, RunOutcome.FAILED)


@dataclass(slots=True)
class Totals:
    """Counts by pytest summary category."""

    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    xfailed: int = 0
    xpassed: int = 0

    def count(self, category: str) -> None:
        name = _CATEGORY_FIELD.get(category)
        if name is not None:
            setattr(self, name, getattr(self, name) + 1)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in CATEGORIES}

    @property
    def failing(self) -> int:
        return self.failed + self.errors


@dataclass(slots=True)
class ModuleTally:
    """One test file's live counts."""

    path: str
    totals: Totals = field(default_factory=Totals)
    collected: int = 0
    running: int = 0
    finished: int = 0
    duration: float = 0.0
    collection_error: str | None = None
    blocked_by: str | None = None
    """The conftest (or plugin) that failed to import, for a folder whose tests it blocks."""

    @property
    def not_run(self) -> int:
        return max(0, self.collected - self.finished - self.running)

    @property
    def status(self) -> str:
        """A word for the module's state, never only a colour."""
        if self.blocked_by is not None:
            return "conftest error"
        if self.collection_error is not None:
            return "collection error"
        if self.totals.failing:
            return "failing"
        if self.running:
            return "running"
        if self.collected and self.not_run == self.collected:
            return "not run"
        if self.not_run:
            return "partial"
        return "passed"


@dataclass(slots=True)
class TestRecord:
    """What this run knows of one test; the failing phase keeps its details."""

    __test__ = False  # a domain name, not a test class for pytest to collect

    nodeid: str
    module: str
    result: TestOutcome | None = None
    started: bool = False
    finished: bool = False
    crashed: bool = False
    duration: float = 0.0
    worker: str | None = None
    failure: TestReport | None = None
    skip_reason: str | None = None
    started_at: float | None = None
    """When it started (epoch seconds), if its start event said."""

    @property
    def outcome(self) -> TestOutcome:
        if self.crashed:
            return TestOutcome.CRASHED
        if self.started and not self.finished:
            return TestOutcome.RUNNING
        return self.result if self.result is not None else TestOutcome.PENDING


def module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


@dataclass(slots=True)
class RunState:
    """Everything one run has reported so far."""

    session: SessionStarted | None = None
    modules: dict[str, ModuleTally] = field(default_factory=dict)
    tests: dict[str, TestRecord] = field(default_factory=dict)
    totals: Totals = field(default_factory=Totals)
    collection_errors: list[CollectionError] = field(default_factory=list)
    warnings: list[WarningRecorded] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    collected: int = 0
    finished: int = 0
    exitstatus: int | None = None
    crashed: bool = False
    crashed_test: str | None = None
    interrupted: bool = False
    duration: float = 0.0
    deselected: int = 0
    """Tests ``-k`` / ``-m`` / ``--deselect`` took out of the run."""
    skipped_lines: int = 0
    """Lines of the event file that were not cockpit's events (a test wrote them)."""
    startup_error: StartupError | None = None
    imports: ImportsSeen | None = None
    """What the run imported (sent at its end): warm preloading, computed imports."""

    # -- reading ------------------------------------------------------------------------
    @property
    def outcome(self) -> RunOutcome:
        if self.crashed:
            return RunOutcome.CRASHED
        if self.startup_error is not None:
            return _OUTCOME_OF_STARTUP.get(self.startup_error.what, RunOutcome.INTERNAL_ERROR)
        if self.exitstatus is None:
            return RunOutcome.RUNNING
        return outcome_of_exitstatus(self.exitstatus)

    @property
    def running_tests(self) -> list[str]:
        return [t.nodeid for t in self.tests.values() if t.outcome is TestOutcome.RUNNING]

    def module(self, path: str) -> ModuleTally:
        tally = self.modules.get(path)
        if tally is None:
            tally = self.modules[path] = ModuleTally(path)
        return tally

    def _test(self, nodeid: str) -> TestRecord:
        record = self.tests.get(nodeid)
        if record is None:
            record = self.tests[nodeid] = TestRecord(nodeid, module_of(nodeid))
            self.module(record.module).collected += 1
            self.collected += 1
        return record

    # -- writing ------------------------------------------------------------------------
    def apply(self, event: Event) -> None:
        if isinstance(event, PhasesPassed):
            self._apply_passed(event)
        elif isinstance(event, TestReport):
            self._apply_report(event)
        elif isinstance(event, TestStarted):
            record = self._test(event.nodeid)
            if not record.started:
                record.started = True
                record.worker = event.worker
                record.started_at = event.time
                self.module(record.module).running += 1
        elif isinstance(event, CollectionFinished):
            for item in event.items:
                self._test(item.nodeid)
        elif isinstance(event, CollectionError):
            self._apply_collection_error(event, counted=True)
        elif isinstance(event, StartupError):
            self._apply_startup_error(event)
        elif isinstance(event, CollectionSkipped):
            self.module(event.file).totals.skipped += 1
            self.totals.skipped += 1
        elif isinstance(event, WarningRecorded):
            self.warnings.append(event)
        elif isinstance(event, Deselected):
            self.deselected += event.count
        elif isinstance(event, SessionStarted):
            self.session = event
        elif isinstance(event, ImportsSeen):
            self.imports = event
        elif isinstance(event, SessionFinished):
            self.exitstatus = event.exitstatus
            if self.session is not None:
                self.duration = max(0.0, event.time - self.session.time)

    def _apply_collection_error(self, event: CollectionError, *, counted: bool) -> None:
        """A module, or a deeper conftest (its folder), that failed to collect; pytest counts
        one error for it, but nothing for a failure before its session."""
        if event.kind == "module":
            conftest = conftest_of(event.nodeid, event.longrepr)
            if conftest is not None:
                folder = blocked_folder(conftest)
                event = replace(event, file=folder, kind="conftest", source=conftest)
        tally = self.module(event.file)
        tally.collection_error = event.message
        if event.kind != "module":
            tally.blocked_by = event.source or event.file
        if counted:
            tally.totals.errors += 1
            self.totals.errors += 1
        self.collection_errors.append(event)

    def _apply_startup_error(self, error: StartupError) -> None:
        self.startup_error = error
        source = error.plugin if error.what == "plugin" else error.conftest
        where = (
            blocked_folder(error.conftest)
            if error.conftest
            else f"-p {error.plugin}"
            if error.plugin
            else "pytest"
        )
        message = f"{error.exception}: {error.message}" if error.message else error.exception
        kind = "plugin" if error.what == "plugin" else "conftest"
        self._apply_collection_error(
            CollectionError(where, where, message, error.longrepr, kind=kind, source=source),
            counted=False,
        )

    def _account(
        self, nodeid: str, duration: float, worker: str | None
    ) -> tuple[TestRecord, ModuleTally]:
        """The test's record and module, with one more phase's duration and worker."""
        record = self._test(nodeid)
        tally = self.module(record.module)
        record.duration += duration
        tally.duration += duration
        if worker:
            record.worker = worker
        return record, tally

    def _apply_report(self, report: TestReport) -> None:
        record, tally = self._account(report.nodeid, report.duration, report.worker)
        if report.category:
            tally.totals.count(report.category)
            self.totals.count(report.category)
        phase_outcome = _phase_outcome(report)
        if phase_outcome is not None and (
            record.result is None or _SEVERITY[phase_outcome] >= _SEVERITY[record.result]
        ):
            record.result = phase_outcome
        if report.outcome == "failed" and record.failure is None:
            record.failure = report
            self.failures.append(report.nodeid)
        if report.outcome == "skipped" and report.crash is not None:
            record.skip_reason = report.crash.message
        if report.when in ("teardown", "???"):
            self._finish(record, tally)

    def _apply_passed(self, event: PhasesPassed) -> None:
        record, tally = self._account(event.nodeid, event.duration, event.worker)
        if "call" in event.phases:
            tally.totals.passed += 1
            self.totals.passed += 1
            if record.result is None:
                record.result = TestOutcome.PASSED
        if "teardown" in event.phases:
            self._finish(record, tally)

    def _finish(self, record: TestRecord, tally: ModuleTally) -> None:
        if record.finished:
            return
        if record.started:
            tally.running -= 1
        record.finished = True
        tally.finished += 1
        self.finished += 1

    def mark_crashed(self, nodeid: str | None) -> None:
        """The child died without finishing the session; blame ``nodeid`` if known."""
        self.crashed = True
        if nodeid is None:
            running = self.running_tests
            nodeid = running[-1] if running else None
        if nodeid is None:
            return
        record = self._test(nodeid)
        if record.outcome not in FAILING_OUTCOMES:
            self.module(record.module).totals.failed += 1
            self.totals.failed += 1
        self._finish(record, self.module(record.module))
        record.crashed = True
        self.crashed_test = nodeid
        if nodeid not in self.failures:
            self.failures.append(nodeid)


def _phase_outcome(report: TestReport) -> TestOutcome | None:
    category = report.category
    if category == "passed":
        return TestOutcome.PASSED
    if category == "failed":
        return TestOutcome.FAILED
    if category == "error":
        return TestOutcome.ERROR
    if category == "skipped":
        return TestOutcome.SKIPPED
    if category == "xfailed":
        return TestOutcome.XFAILED
    if category == "xpassed":
        return TestOutcome.XPASSED
    return None


_CATEGORY_OF_OUTCOME = {
    "passed": "passed",
    "failed": "failed",
    "error": "error",
    "skipped": "skipped",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
    "crashed": "failed",
}


def recorded_state(
    results: Iterable[tuple[str, str, str, float]],
    collection_errors: Iterable[tuple[str, ...] | tuple[str, str, str, str | None, str]] = (),
    *,
    started: bool = True,
) -> RunState:
    """A finished run's state rebuilt from the session log's rows.

    ``results`` are ``(nodeid, module, outcome, duration)``; ``collection_errors`` are
    ``(path, message)`` or ``(path, message, kind, source, longrepr)``. Counts follow each test's
    final outcome (the log keeps one per test), so a test that passed and then errored in
    teardown counts once, as an error. A run that never ``started`` its session (a conftest
    or plugin failed to import) counts nothing for what stopped it, as pytest does.
    """
    state = RunState()
    for nodeid, module, outcome, duration in results:
        record = state.tests.get(nodeid)
        if record is None:
            record = state.tests[nodeid] = TestRecord(nodeid, module)
            state.collected += 1
        tally = state.module(module)
        tally.collected += 1
        tally.finished += 1
        tally.duration += duration
        state.finished += 1
        record.duration = duration
        record.finished = record.started = True
        if outcome == "crashed":
            record.crashed = True
            state.crashed = True
            state.crashed_test = nodeid
            record.result = TestOutcome.FAILED
        else:
            record.result = TestOutcome(outcome)
        category = _CATEGORY_OF_OUTCOME.get(outcome)
        if category is not None:
            tally.totals.count(category)
            state.totals.count(category)
        if record.outcome in FAILING_OUTCOMES:
            state.failures.append(nodeid)
    for row in collection_errors:
        path, message = str(row[0]), str(row[1])
        kind = str(row[2] or "module") if len(row) > 2 else "module"
        source = row[3] if len(row) > 3 else None
        longrepr = str(row[4] or "") if len(row) > 4 else ""
        error = CollectionError(path, path, message, longrepr, kind=kind, source=source)
        state._apply_collection_error(error, counted=started)
    return state
