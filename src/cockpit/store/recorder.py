"""Recording a run into the session log while it streams.

Rows are built on the event loop (cheap: a test's row is made once, when it finishes) and
written by a background thread every ``FLUSH_INTERVAL`` seconds, so the database never
blocks the event loop and a SIGKILL of cockpit loses at most the last half second. The
next cockpit that opens the log marks such a run interrupted.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from cockpit.engine.events import CollectionError, Event, PhasesPassed, SessionStarted, TestReport
from cockpit.engine.state import FAILING_OUTCOMES, RunState, TestRecord
from cockpit.rootcause.signature import error_signature, signature_of
from cockpit.store.rows import FailureRow, ModuleDigest, ResultRow, RunTotals, failure_row
from cockpit.store.session_log import SessionLog
from cockpit.store.sources import source_digest

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
        self.run_id = log.begin_run(
            args,
            whole_suite=whole_suite,
            selection_reason=selection_reason,
            interpreter=interpreter,
            source_digest=source_digest(project) if project is not None else None,
        )
        self._phases: dict[str, dict[str, str]] = {}
        self._recorded: set[str] = set()  # pytest allows duplicate node ids (a.py a.py)
        self._outcomes: dict[str, str] = {}
        """The outcome each result row was written with, for the per-module counts."""
        self._lock = threading.Lock()
        self._results: list[ResultRow] = []
        self._failures: list[FailureRow] = []
        self._errors: list[tuple[str, str, str]] = []
        self._environment: tuple[str, str] | None = None
        self._rootdir: str | None = None
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="cockpit-recorder", daemon=True)
        self._thread.start()

    def on_batch(self, batch: list[Event]) -> None:
        """Called on the event loop with each batch, after the state has applied it."""
        finished: list[TestRecord] = []
        errors: list[tuple[str, str, str]] = []
        for event in batch:
            if isinstance(event, TestReport | PhasesPassed):
                phases = self._phases.setdefault(event.nodeid, {})
                if isinstance(event, TestReport):
                    phases[event.when] = event.category or event.outcome
                    ended = event.when in ("teardown", "???")
                else:
                    phases.update(dict.fromkeys(event.phases, "passed"))
                    ended = "teardown" in event.phases
                if ended and event.nodeid not in self._recorded:
                    self._recorded.add(event.nodeid)
                    finished.append(self.state.tests[event.nodeid])
            elif isinstance(event, CollectionError):
                errors.append((event.file, event.message, event.longrepr))
            elif isinstance(event, SessionStarted):
                self._rootdir = event.rootdir
                with self._lock:
                    self._environment = (event.pytest_version, event.rootdir)
        if not finished and not errors:
            return
        rows = [
            result_row(record, self._phases.pop(record.nodeid, {}), self._rootdir)
            for record in finished
        ]
        self._outcomes.update((row.nodeid, row.outcome) for row in rows)
        failures = [row for row in map(failure_row, finished) if row is not None]
        with self._lock:
            self._results.extend(rows)
            self._failures.extend(failures)
            self._errors.extend(errors)

    def _take(
        self,
    ) -> tuple[
        list[ResultRow], list[FailureRow], list[tuple[str, str, str]], tuple[str, str] | None
    ]:
        with self._lock:
            taken = (self._results, self._failures, self._errors, self._environment)
            self._results, self._failures, self._errors, self._environment = [], [], [], None
        return taken

    def _flush(self) -> None:
        results, failures, errors, environment = self._take()
        if environment is not None:
            self.log.set_run_environment(self.run_id, *environment)
        self.log.write_results(self.run_id, results, failures, errors)

    def _loop(self) -> None:
        try:
            while not self._stop.wait(FLUSH_INTERVAL):
                self._flush()
        except BaseException as error:  # surfaced by finish(), never lost silently
            self._error = error

    def _written(self, crashed: str | None) -> set[str]:
        """The node ids of every result row this run wrote (the crashed test's included)."""
        return self._recorded | ({crashed} if crashed in self.state.tests else set())

    def finish(self, exit_code: int, outcome: str, start: tuple[str, str] | None = None) -> None:
        """Write what is left, the crashed test, and the run's ending (its exit code and
        outcome, as the runner decided them; how its process started: mode and why)."""
        self._stop.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        state = self.state
        crashed = state.crashed_test
        if crashed is not None and crashed in state.tests and crashed not in self._recorded:
            row = result_row(state.tests[crashed], self._phases.pop(crashed, {}), self._rootdir)
            self._outcomes[crashed] = row.outcome
            with self._lock:
                self._results.append(row)
        self._flush()
        written = self._written(crashed)
        totals = state.totals
        self.log.finish_run(
            self.run_id,
            exit_code=exit_code,
            outcome=outcome,
            totals=RunTotals(
                collected=state.collected,
                passed=totals.passed,
                failed=totals.failed,
                errors=totals.errors,
                skipped=totals.skipped,
                xfailed=totals.xfailed,
                xpassed=totals.xpassed,
            ),
            crashed_test=crashed,
            results_digest=results_digest(self._recorded | ({crashed} if crashed else set())),
            module_digests=module_digests(
                {nodeid: state.tests[nodeid].module for nodeid in written},
                {nodeid: self._outcomes[nodeid] for nodeid in written},
            ),
            start=start,
        )
