"""Recording a run into the session log while it streams.

The recorder is made in a thread (it opens the run's record and its snapshot of the
project's files). Rows are built on the event loop (cheap: a test's row is made once, when
it finishes) and written by a background thread every ``FLUSH_INTERVAL`` seconds, so the
database never blocks the event loop and a SIGKILL of cockpit loses at most the last half
second. The next cockpit that opens the log marks such a run interrupted.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from cockpit.engine.ending import RunNotice
from cockpit.engine.events import Event, PhasesPassed, SessionStarted, TestReport
from cockpit.engine.state import FAILING_OUTCOMES, RunState, TestRecord
from cockpit.rootcause.regression import RegressionGroup
from cockpit.rootcause.signature import error_signature, signature_of
from cockpit.store.rows import (
    CollectionErrorRecord,
    FailureRow,
    ModuleDigest,
    ResultRow,
    RunTotals,
    failure_row,
)
from cockpit.store.runs import RunProgress
from cockpit.store.session_log import SessionLog
from cockpit.store.snapshots import read_project_files

FLUSH_INTERVAL = 0.5


def results_digest(nodeids: Collection[str]) -> str:
    """A fingerprint of which tests a run recorded (see ``Run.results_digest``)."""
    return hashlib.sha256("\n".join(sorted(nodeids)).encode("utf-8", "replace")).hexdigest()


def module_digests(
    modules: Mapping[str, str], outcomes: Mapping[str, str] | None = None
) -> dict[str, ModuleDigest]:
    """Per module, the fingerprint of the tests a run recorded there (see ``RunModule``),
    from node id -> module as the results store them; with each test's outcome, the
    module's count of every outcome but passed."""
    nodeids: dict[str, list[str]] = {}
    for nodeid, module in modules.items():
        nodeids.setdefault(module, []).append(nodeid)
    digests = {}
    for module, tests in nodeids.items():
        counts: dict[str, int] | None = None
        if outcomes is not None:
            counts = {}
            for nodeid in tests:
                outcome = outcomes[nodeid]
                if outcome != "passed":
                    counts[outcome] = counts.get(outcome, 0) + 1
        digests[module] = ModuleDigest(results_digest(tests), len(tests), counts)
    return digests


def result_row(record: TestRecord, phases: dict[str, str], rootdir: str | None = None) -> ResultRow:
    failure = record.failure
    signature = root_key = None
    if record.outcome in FAILING_OUTCOMES:
        message = failure.crash.message if failure and failure.crash else ""
        signature = error_signature(message) if message else "crashed"
        longrepr = failure.longrepr or "" if failure else ""
        root_key = signature_of(message, longrepr, rootdir).key if message else "crashed"
    return ResultRow(
        nodeid=record.nodeid,
        module=record.module,
        outcome=str(record.outcome),
        setup=phases.get("setup", ""),
        call=phases.get("call", phases.get("???", "")),
        teardown=phases.get("teardown", ""),
        duration=record.duration,
        signature=signature,
        root_key=root_key,
    )


class RowCollector:
    """Turns one run's events into the session log's rows, each test's once it finishes.

    Shared by the live recorder and ``cockpit import``, so a run read from CI files is
    stored row for row as a run cockpit recorded itself. ``keep_failures=False`` lets go of
    each failure's text once its row is built (an import needs it no more; the live state
    keeps it for the screen).
    """

    def __init__(self, state: RunState, *, keep_failures: bool = True) -> None:
        self.state = state
        self.keep_failures = keep_failures
        self.rootdir: str | None = None
        self.recorded: set[str] = set()  # pytest allows duplicate node ids (a.py a.py)
        self.outcomes: dict[str, str] = {}
        """The outcome each result row was written with, for the per-module counts."""
        self.environment: tuple[str, str] | None = None
        """(pytest version, rootdir) from the session start, until someone takes it."""
        self.root_keys: dict[str, str] = {}
        """Each failing test's root key as written: what the regrouping starts from."""
        self._phases: dict[str, dict[str, str]] = {}
        self._errors_taken = 0
        """How many of the state's collection errors have been handed out as rows."""

    def add(
        self, batch: list[Event]
    ) -> tuple[list[ResultRow], list[FailureRow], list[CollectionErrorRecord]]:
        """The rows of the tests ``batch`` finished, and its collection errors; the state
        must have applied the batch already."""
        finished: list[TestRecord] = []
        for event in batch:
            if isinstance(event, TestReport | PhasesPassed):
                phases = self._phases.setdefault(event.nodeid, {})
                if isinstance(event, TestReport):
                    phases[event.when] = event.category or event.outcome
                    ended = event.when in ("teardown", "???")
                else:
                    phases.update(dict.fromkeys(event.phases, "passed"))
                    ended = "teardown" in event.phases
                if ended and event.nodeid not in self.recorded:
                    self.recorded.add(event.nodeid)
                    finished.append(self.state.tests[event.nodeid])
            elif isinstance(event, SessionStarted):
                self.rootdir = event.rootdir
                self.environment = (event.pytest_version, event.rootdir)
        rows = [
            result_row(record, self._phases.pop(record.nodeid, {}), self.rootdir)
            for record in finished
        ]
        self.outcomes.update((row.nodeid, row.outcome) for row in rows)
        self.root_keys.update((row.nodeid, row.root_key) for row in rows if row.root_key)
        failures = [row for row in map(failure_row, finished) if row is not None]
        if not self.keep_failures:
            for record in finished:
                record.failure = None
        return rows, failures, self.new_collection_errors()

    def new_collection_errors(self) -> list[CollectionErrorRecord]:
        """The state's collection errors not handed out yet, as the state read them (a
        deeper conftest's as its folder's; a startup error's, which no batch carries when
        it was read from pytest's stderr at the end)."""
        errors = self.state.collection_errors[self._errors_taken :]
        self._errors_taken += len(errors)
        return [
            CollectionErrorRecord(e.file, e.message, e.longrepr, e.kind, e.source, e.lineno)
            for e in errors
        ]

    def crashed_row(self, crashed: str | None) -> ResultRow | None:
        """The row of the test that crashed the interpreter, when no report finished it."""
        state = self.state
        if crashed is None or crashed not in state.tests or crashed in self.recorded:
            return None
        row = result_row(state.tests[crashed], self._phases.pop(crashed, {}), self.rootdir)
        self.outcomes[crashed] = row.outcome
        return row

    def totals(self) -> RunTotals:
        state, totals = self.state, self.state.totals
        return RunTotals(
            collected=state.collected,
            passed=totals.passed,
            failed=totals.failed,
            errors=totals.errors,
            skipped=totals.skipped,
            xfailed=totals.xfailed,
            xpassed=totals.xpassed,
        )

    def digests(self, crashed: str | None = None) -> tuple[str, dict[str, ModuleDigest]]:
        """The run's results digest and per-module digests, of every row written (the
        crashed test's included)."""
        written = self.recorded | ({crashed} if crashed in self.state.tests else set())
        tests = self.state.tests
        return (
            results_digest(self.recorded | ({crashed} if crashed else set())),
            module_digests(
                {nodeid: tests[nodeid].module for nodeid in written},
                {nodeid: self.outcomes[nodeid] for nodeid in written},
            ),
        )


class RunRecorder:
    """Follows one run's events and writes its results into the session log."""

    def __init__(
        self,
        log: SessionLog,
        state: RunState,
        args: Sequence[str],
        *,
        whole_suite: bool,
        selection_reason: str,
        interpreter: str,
        project: Path | None = None,
    ) -> None:
        self.log = log
        self.state = state
        # One walk of the tree gives the run's fingerprint and its snapshot; only the files
        # changed since the last snapshot are read.
        files = read_project_files(project, log.last_snapshot_files()) if project else None
        self.run_id = log.begin_run(
            args,
            whole_suite=whole_suite,
            selection_reason=selection_reason,
            interpreter=interpreter,
            source_digest=files.fingerprint if files is not None else None,
        )
        if files is not None:
            log.record_snapshot(self.run_id, files)
        self.rows = RowCollector(state)
        self._lock = threading.Lock()
        self._results: list[ResultRow] = []
        self._failures: list[FailureRow] = []
        self._errors: list[CollectionErrorRecord] = []
        self.regressions: dict[str, RegressionGroup] = {}
        """The run's failures regrouped as regressions when it finished (node id -> group)."""
        self._environment: tuple[str, str] | None = None
        self._progress: RunProgress | None = None
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="cockpit-recorder", daemon=True)
        self._thread.start()

    def on_batch(self, batch: list[Event]) -> None:
        """Called on the event loop with each batch, after the state has applied it."""
        rows, failures, errors = self.rows.add(batch)
        environment, self.rows.environment = self.rows.environment, None
        progress = (self.state.collected, self.log.clock())
        if not rows and not failures and not errors and environment is None:
            with self._lock:
                self._progress = progress
            return
        with self._lock:
            self._results.extend(rows)
            self._failures.extend(failures)
            self._errors.extend(errors)
            self._progress = progress
            if environment is not None:
                self._environment = environment

    def _flush(self) -> None:
        with self._lock:
            results, failures, errors = self._results, self._failures, self._errors
            environment, progress = self._environment, self._progress
            self._results, self._failures, self._errors = [], [], []
            self._environment = self._progress = None
        if environment is not None:
            self.log.set_run_environment(self.run_id, *environment)
        self.log.write_results(self.run_id, results, failures, errors, progress=progress)

    def _loop(self) -> None:
        try:
            while not self._stop.wait(FLUSH_INTERVAL):
                self._flush()
        except BaseException as error:  # surfaced by finish(), never lost silently
            self._error = error

    def finish(
        self,
        exit_code: int,
        outcome: str,
        notices: Sequence[RunNotice] = (),
        start: tuple[str, str] | None = None,
    ) -> None:
        """Write what is left, the crashed test, and the run's ending (its exit code and
        outcome, as the runner decided them; what is said of it; how its process started:
        mode and why)."""
        self._stop.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        crashed = self.state.crashed_test
        row = self.rows.crashed_row(crashed)
        if row is not None:
            with self._lock:
                self._results.append(row)
        state, startup = self.state, self.state.startup_error
        with self._lock:
            self._errors.extend(self.rows.new_collection_errors())
            if startup is not None and state.session is None:
                self._environment = ("", startup.rootdir)
        self._flush()
        keys = self.rows.root_keys
        if outcome == "failed" and keys:
            tested = {nodeid: state.tests[nodeid].module for nodeid in keys}
            self.regressions = self.log.regroup_run(self.run_id, keys, tested)
        digest, modules = self.rows.digests(crashed)
        self.log.finish_run(
            self.run_id,
            exit_code=exit_code,
            outcome=outcome,
            totals=self.rows.totals(),
            crashed_test=crashed,
            deselected=self.state.deselected,
            notices=notices,
            results_digest=digest,
            module_digests=modules,
            start=start,
        )
