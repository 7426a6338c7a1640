"""The run on screen laid over the session picture before it. Pure, no Textual.

A watch or subset rerun updates the tests it runs; every other module of the suite stays on
screen with the result of the run that last ran it, marked with its age and whether a file
it depends on changed since (stale). A module partly rerun shows its rerun tests live and
the others as last seen. ``Δpass`` compares each rerun test with its own previous result,
so a module going from a collection error (no tests) to 44 passing reads ``+44``.

What the run covers whole (the whole suite, or file and folder arguments without ``-k``,
``-m``...) it defines once its collection is in: tests of those files it did not collect are
gone, and so are the modules it did not collect at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cockpit.engine.state import ModuleTally, RunState, TestOutcome, TestRecord, Totals
from cockpit.suite.model import LatestResult, ModuleState
from cockpit.suite.picture import SuitePicture


@dataclass(frozen=True, slots=True)
class ModuleAge:
    """How old a module's results on screen are."""

    run_id: int
    """The latest run its results come from."""
    runs_ago: int
    """Runs since then, the run on screen included."""
    stale: bool | None
    """A file it depends on changed since (None: unknown, the run predates snapshots)."""


@dataclass(frozen=True, slots=True)
class SuiteCounts:
    """The suite as last seen: the run on screen over the picture."""

    tests: int
    passed: int
    failing: int
    not_importable: int
    stale: int


def _covers(module: str, covered: tuple[str, ...]) -> bool:
    return any(
        not prefix or module == prefix or module.startswith(prefix + "/") for prefix in covered
    )


def _record(state: LatestResult) -> TestRecord:
    """A test as last seen, in the shape of a live run's record."""
    record = TestRecord(state.nodeid, state.module, started=True, finished=True)
    record.duration = state.duration
    if state.outcome == "crashed":
        record.crashed = True
        record.result = TestOutcome.FAILED
    else:
        record.result = TestOutcome(state.outcome)
    return record


_TOTAL_FIELD = {
    "passed": "passed",
    "failed": "failed",
    "crashed": "failed",
    "error": "errors",
    "skipped": "skipped",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
}


def _add(totals: Totals, outcome: str) -> None:
    name = _TOTAL_FIELD.get(outcome)
    if name is not None:
        setattr(totals, name, getattr(totals, name) + 1)


class SuiteOverlay:
    """The run's state over ``picture`` (the session picture of the runs before it)."""

    def __init__(
        self, picture: SuitePicture, state: RunState, covered: tuple[str, ...] | None
    ) -> None:
        self.picture = picture
        self.state = state
        self.covered = covered
        """What the run covers whole (``("",)``: everything), or None."""
        self.stale: Mapping[str, bool | None] = {}
        self._records: dict[str, TestRecord] = {}
        self._merged: dict[str, tuple[int, ModuleTally]] = {}
        self._old: dict[str, ModuleTally | None] = {}
        self._counts: SuiteCounts | None = None

    # -- what the run leaves in view -------------------------------------------------
    def _collection_known(self) -> bool:
        state = self.state
        return state.collected > 0 or bool(state.collection_errors) or state.exitstatus is not None

    def _defines(self, module: str) -> bool:
        """Whether the run alone says which tests ``module`` has."""
        return (
            self.covered is not None and _covers(module, self.covered) and self._collection_known()
        )

    def carried(self, module: str) -> list[LatestResult]:
        """The module's tests as last seen that the run did not run (and does not replace)."""
        live = self.state.modules.get(module)
        if live is not None and live.collection_error is not None:
            return []  # it does not import now: nothing of its old tests holds
        if self._defines(module):
            return []
        tests = self.state.tests
        return [state for state in self.picture.tests_of(module) if state.nodeid not in tests]

    def record(self, nodeid: str) -> TestRecord | None:
        """The test as last seen (a carried test's record, built once)."""
        record = self._records.get(nodeid)
        if record is None:
            state = self.picture.tests.get(nodeid)
            if state is None:
                return None
            record = self._records[nodeid] = _record(state)
        return record

    def result_run(self, nodeid: str) -> int | None:
        """The run a carried test's result comes from."""
        state = self.picture.tests.get(nodeid)
        return state.run_id if state is not None and nodeid not in self.state.tests else None

    # -- module rows ------------------------------------------------------------------
    def _old_tally(self, module: ModuleState) -> ModuleTally:
        totals = Totals()
        duration = 0.0
        for state in self.picture.tests_of(module.path):
            _add(totals, state.outcome)
            duration += state.duration
        if not self.picture.tests_of(module.path):  # known by counts only
            counts = module.counts
            totals = Totals(
                counts.passed,
                counts.failed + counts.crashed,
                counts.errors,
                counts.skipped,
                counts.xfailed,
                counts.xpassed,
            )
        tests = module.counts.tests
        if module.collection_error is not None:
            totals.errors += 1  # as a live run counts a module that does not import
        return ModuleTally(
            module.path,
            totals=totals,
            collected=tests,
            finished=tests,
            duration=duration,
            collection_error=module.collection_error,
        )

    def tally(self, path: str) -> ModuleTally | None:
        """The row of ``path``: live, live with its tests as last seen, or as last seen."""
        live = self.state.modules.get(path)
        if live is None:
            if self._defines(path) or path not in self.picture.modules():
                return None
            if path not in self._old:
                self._old[path] = self._old_tally(self.picture.modules()[path])
            return self._old[path]
        carried = self.carried(path)
        if not carried:
            return live
        cached = self._merged.get(path)
        if cached is not None and cached[0] == live.finished + live.running + live.collected:
            return cached[1]
        totals = Totals(**live.totals.as_dict())
        for state in carried:
            _add(totals, state.outcome)
        merged = ModuleTally(
            path,
            totals=totals,
            collected=live.collected + len(carried),
            running=live.running,
            finished=live.finished + len(carried),
            duration=live.duration + sum(state.duration for state in carried),
            collection_error=live.collection_error,
        )
        self._merged[path] = (live.finished + live.running + live.collected, merged)
        return merged

    def forget(self, modules: set[str]) -> None:
        """Rows of these modules changed: build their merged tallies again."""
        for module in modules:
            self._merged.pop(module, None)
        if modules:
            self._counts = None

    def modules(self) -> dict[str, ModuleTally]:
        rows: dict[str, ModuleTally] = {}
        for path in {*self.state.modules, *self.picture.modules()}:
            tally = self.tally(path)
            if tally is not None:
                rows[path] = tally
        return rows

    def age(self, path: str) -> ModuleAge | None:
        """How old the results of a module the run did not touch are (None if it did)."""
        if path in self.state.modules:
            return None
        module = self.picture.modules().get(path)
        if module is None:
            return None
        ago = self.picture.runs_since(module.last_run) + 1
        return ModuleAge(module.last_run, ago, self.stale.get(path))

    def passed_delta(self, module: str, nodeids: list[str]) -> int | None:
        """Passed minus passed before, over the module's tests (``nodeids``) the run
        finished: each test against its own previous result (a test new to the picture
        counts from zero). None before the session's first run: nothing to compare with."""
        if module not in self.state.modules or not self.picture.runs:
            return None
        tests = self.state.tests
        delta, finished = 0, False
        for nodeid in nodeids:
            record = tests[nodeid]
            if not record.finished:
                continue
            finished = True
            before = self.picture.tests.get(nodeid)
            delta += record.outcome == TestOutcome.PASSED
            delta -= before is not None and before.outcome == "passed"
        return delta if finished else None

    def shows_more(self) -> bool:
        """Whether the screen shows results of earlier runs beside this run's."""
        modules = self.state.modules
        return any(path not in modules for path in self.modules()) or any(
            self.carried(path) for path in modules
        )

    def counts(self) -> SuiteCounts:
        """The suite's counts as on screen (kept until a module's row changes)."""
        if self._counts is not None:
            return self._counts
        passed = failing = tests = errors = stale = 0
        for path, tally in self.modules().items():
            totals = tally.totals
            importable = tally.collection_error is None
            passed += totals.passed
            tests += tally.collected
            failing += totals.failed + totals.errors - (0 if importable else 1)
            errors += not importable
            stale += path not in self.state.modules and bool(self.stale.get(path))
        self._counts = SuiteCounts(tests, passed, failing, errors, stale)
        return self._counts
