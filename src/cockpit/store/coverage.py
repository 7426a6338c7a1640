"""Whether a run covered a fix's tests, and whether it proved the fix. Pure.

A fix's affected tests are those failing in the run before it, and the modules that did
not import there. A later run *covers* the fix when it ran one of them; it *proves* it when
one of them does not fail any more (a module not importing counts once it is collected).
The session log attaches waiting fixes to covering runs as they finish; placing a fix
among runs already recorded looks for the first run that proves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from cockpit.engine.outcomes import FAILING, PASSING


class RunOutcomes(NamedTuple):
    """What a run recorded: each test's module and outcome, and the modules not importing."""

    tests: Mapping[str, tuple[str, str]]
    """Node id -> (module, outcome)."""
    errors: frozenset[str]


def affected(before: RunOutcomes) -> tuple[set[str], frozenset[str]]:
    """The tests failing in the before run, and its modules that did not import."""
    failing = {nodeid for nodeid, (_, outcome) in before.tests.items() if outcome in FAILING}
    return failing, before.errors


def covers(before: RunOutcomes, run: RunOutcomes) -> bool:
    """Whether ``run`` ran a test failing in ``before``, or a module not importing there."""
    failing, errors = affected(before)
    if any(nodeid in run.tests for nodeid in failing):
        return True
    modules = {module for module, _ in run.tests.values()} | run.errors
    return bool(errors & modules)


def proves(before: RunOutcomes, run: RunOutcomes) -> bool:
    """Whether ``run`` shows a test failing in ``before`` not failing any more, or a module
    not importing in ``before`` collected now."""
    failing, errors = affected(before)
    for nodeid in failing:
        now = run.tests.get(nodeid)
        if now is not None and now[1] not in FAILING:
            return True
    collected = {module for module, _ in run.tests.values()}
    return bool((errors & collected) - run.errors)


class Evidence(NamedTuple):
    """What a fix's evidence run shows against its before run, each kind apart."""

    flipped: dict[str, list[str]]
    """Module -> its tests failing in the before run and not failing in the evidence run."""
    errors_resolved: list[str]
    """Modules that did not import in the before run and were collected in the evidence."""
    new_passing: dict[str, list[str]]
    """Module -> tests passing in the evidence run that the before run did not have: in a
    module that did not import there, or anywhere when the before run was the whole suite."""

    @property
    def flipped_count(self) -> int:
        return sum(len(tests) for tests in self.flipped.values())

    @property
    def new_passing_count(self) -> int:
        return sum(len(tests) for tests in self.new_passing.values())


def evidence_between(before: RunOutcomes, after: RunOutcomes, *, before_whole: bool) -> Evidence:
    """The evidence ``after`` gives a fix whose before run is ``before``. Only tests in both
    runs can flip; a test absent from the before run is new only where that run would
    have had it (a module it could not import, or the whole suite)."""
    flipped: dict[str, list[str]] = {}
    new: dict[str, list[str]] = {}
    for nodeid in sorted(after.tests):
        module, outcome = after.tests[nodeid]
        old = before.tests.get(nodeid)
        if old is not None:
            if old[1] in FAILING and outcome not in FAILING:
                flipped.setdefault(module, []).append(nodeid)
        elif outcome in PASSING and (before_whole or module in before.errors):
            new.setdefault(module, []).append(nodeid)
    collected = {module for module, _ in after.tests.values()}
    resolved = sorted((before.errors & collected) - after.errors)
    return Evidence(flipped, resolved, new)
