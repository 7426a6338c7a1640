"""The session picture: runs folded, oldest first, into each test's latest result. Pure.

The rules, one run at a time:

* a run updates the tests it ran and nothing else: a test it did not run keeps the result
  of the run that last ran it (and that run's id, so a screen can say how old it is);
* each updated test remembers its own previous result, so a delta compares every test
  with itself (a test new to the picture had none: it counts from zero);
* a module that failed to collect replaces what was known of its tests (pytest ran none
  of them) and stays in the picture until a run collects tests from it, or covers it
  whole without the error; a crashed test keeps its ``crashed`` outcome until it reruns;
* a run that went to its end and covered files whole (the whole suite, or file and folder
  arguments without ``-k``, ``-m``, node ids...) forgets the tests of those files it did not
  record: they were renamed or deleted. Interrupted and crashed runs never forget anything;
* the first finished whole-suite run stays the baseline; the last one is the suite's
  latest full measure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cockpit.engine.pytest_args import whole_paths
from cockpit.suite.model import (
    FAILING,
    Counts,
    LatestResult,
    ModuleState,
    RunFacts,
    RunResults,
    add_counts,
    counts_of,
)


def covered_by(args: tuple[str, ...] | list[str], whole_suite: bool) -> tuple[str, ...] | None:
    """The path prefixes a run with these arguments covers whole (``("",)``: everything),
    or None when it may leave some tests of its files out."""
    if whole_suite:
        return ("",)
    paths = whole_paths(args)
    if paths is None:
        return None
    return paths or ("",)


def _covered(run: RunFacts) -> tuple[str, ...] | None:
    """What a finished run covered whole; nothing for a run that did not go to its end."""
    return covered_by(run.args, run.whole_suite) if run.finished else None


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(
        not prefix or module == prefix or module.startswith(prefix + "/") for prefix in prefixes
    )


class SuitePicture:
    """Every test's latest result in the session, and what each module looks like."""

    __slots__ = (
        "_by_module",
        "_modules",
        "baseline",
        "counted",
        "errors",
        "known",
        "last_whole",
        "runs",
        "tests",
    )

    def __init__(
        self,
        runs: tuple[RunFacts, ...] = (),
        tests: Mapping[str, LatestResult] | None = None,
        errors: Mapping[str, tuple[str, int]] | None = None,
        counted: Mapping[str, tuple[Counts, int]] | None = None,
        known: frozenset[str] = frozenset(),
        baseline: RunFacts | None = None,
        last_whole: RunFacts | None = None,
    ) -> None:
        self.runs = runs
        """Every run folded in, oldest first."""
        self.tests: Mapping[str, LatestResult] = tests or {}
        self.errors: Mapping[str, tuple[str, int]] = errors or {}
        """Module -> (its collection error's first line, the run that reported it)."""
        self.counted: Mapping[str, tuple[Counts, int]] = counted or {}
        """Modules known by their counts only (see ``RunResults.counted``), with their run."""
        self.known = known
        """The tests an open known issue names."""
        self.baseline = baseline
        """The first finished whole-suite run folded in."""
        self.last_whole = last_whole
        """The last finished whole-suite run folded in."""
        self._modules: dict[str, ModuleState] | None = None
        self._by_module: dict[str, list[LatestResult]] | None = None

    # -- folding ----------------------------------------------------------------------
    def with_run(self, results: RunResults) -> SuitePicture:
        """The picture once ``results`` (a run later than every run in it) are folded in."""
        run = results.run
        covered = _covered(run)
        tests = dict(self.tests)
        errors = dict(self.errors)
        counted = dict(self.counted)
        touched = {result.module for result in results.tests.values()}
        if touched & self.counted.keys() and not (covered and run.whole_suite):
            # The counts cannot say which of its tests these replace: the reader must have
            # read the module test by test (``read`` does, for every module a later run ran).
            raise ValueError(f"{sorted(touched & self.counted.keys())} are known by counts only")
        replaced = touched | set(results.collection_errors) | set(results.counted)
        if covered is not None:
            gone = [m for m in {*errors, *counted} if _under(m, covered) and m not in replaced]
            for module in gone:
                errors.pop(module, None)
                counted.pop(module, None)
        for module in touched:
            errors.pop(module, None)  # it collected tests: it imports now
        for module in results.collection_errors:
            counted.pop(module, None)
        for module in touched:
            counted.pop(module, None)
        for module, counts in results.counted.items():
            counted[module] = (counts, run.id)
            errors.pop(module, None)
        dropped = set(results.collection_errors) | set(results.counted)
        if covered is not None or dropped:
            for nodeid, state in list(tests.items()):
                module = state.module
                if nodeid in results.tests:
                    continue
                if module in dropped or (covered is not None and _under(module, covered)):
                    del tests[nodeid]
        for nodeid, result in results.tests.items():
            old = self.tests.get(nodeid)
            tests[nodeid] = LatestResult(
                nodeid,
                result.module,
                result.outcome,
                run.id,
                result.duration,
                result.root_key,
                old.outcome if old is not None else None,
                old.run_id if old is not None else None,
            )
        for module, message in results.collection_errors.items():
            errors[module] = (message, run.id)
        whole = run.finished and run.whole_suite
        return SuitePicture(
            runs=(*self.runs, run),
            tests=tests,
            errors=errors,
            counted=counted,
            known=self.known,
            baseline=self.baseline or (run if whole else None),
            last_whole=run if whole else self.last_whole,
        )

    def with_known(self, known: Iterable[str]) -> SuitePicture:
        """The same picture, with these tests marked as named by an open known issue."""
        return SuitePicture(
            self.runs,
            self.tests,
            self.errors,
            self.counted,
            frozenset(known),
            self.baseline,
            self.last_whole,
        )

    # -- reading ----------------------------------------------------------------------
    def modules(self) -> dict[str, ModuleState]:
        """Every module of the picture, by path (computed once)."""
        if self._modules is not None:
            return self._modules
        outcomes: dict[str, list[str]] = {}
        runs: dict[str, set[int]] = {}
        known: dict[str, int] = {}
        for state in self.tests.values():
            outcomes.setdefault(state.module, []).append(state.outcome)
            runs.setdefault(state.module, set()).add(state.run_id)
            if state.nodeid in self.known and state.outcome in FAILING:
                known[state.module] = known.get(state.module, 0) + 1
        modules: dict[str, ModuleState] = {}
        for path in sorted({*outcomes, *self.errors, *self.counted}):
            counts = counts_of(outcomes[path]) if path in outcomes else Counts()
            seen = runs.get(path, set())
            if path in self.counted:
                extra, run_id = self.counted[path]
                counts = add_counts(counts, extra) if path in outcomes else extra
                seen.add(run_id)
            error = self.errors.get(path)
            if error is not None:
                seen.add(error[1])
            modules[path] = ModuleState(
                path,
                counts,
                tuple(sorted(seen)),
                error[0] if error is not None else None,
                known.get(path, 0),
            )
        self._modules = modules
        return modules

    def totals(self) -> Counts:
        return add_counts(*(module.counts for module in self.modules().values()))

    @property
    def collection_errors(self) -> int:
        return len(self.errors)

    @property
    def last_run(self) -> RunFacts | None:
        return self.runs[-1] if self.runs else None

    def runs_since(self, run_id: int) -> int:
        """How many runs of the picture came after ``run_id``: the age of its results."""
        return sum(1 for run in self.runs if run.id > run_id)

    def tests_of(self, module: str) -> list[LatestResult]:
        """A module's tests, by node id (the index is built once, on the first call)."""
        if self._by_module is None:
            index: dict[str, list[LatestResult]] = {}
            for nodeid in sorted(self.tests):
                state = self.tests[nodeid]
                index.setdefault(state.module, []).append(state)
            self._by_module = index
        return self._by_module.get(module, [])


def build_picture(runs: Iterable[RunResults], known: Iterable[str] = ()) -> SuitePicture:
    """The picture of these runs, oldest first."""
    picture = SuitePicture(known=frozenset(known))
    for results in runs:
        picture = picture.with_run(results)
    return picture
