"""Flakiness in a test's history: outcome flips with the project's files unchanged. Pure.

Every recorded run keeps a fingerprint of the project's source files at its start
(:mod:`cockpit.store.sources`); a test that passed in one run and failed in the next with
the same fingerprint and the same interpreter flipped with nothing changed: it is flaky,
whatever the code did.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cockpit.engine.outcomes import FAILING, PASSING


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One test's outcome in one recorded run, with what the run ran on."""

    run_id: int
    outcome: str
    source_digest: str | None
    interpreter: str = ""


def _pass_or_fail(outcome: str) -> bool | None:
    if outcome in FAILING:
        return False
    if outcome in PASSING:
        return True
    return None  # skipped, xfailed, running: says nothing about flakiness


def flaky_flips(history: Iterable[HistoryPoint]) -> frozenset[int]:
    """Runs (ids) in which the test flipped between pass and fail with nothing changed.

    ``history`` is one test's runs, oldest first. A flip counts as flaky when the previous
    run that passed or failed it had the same source digest (no project file changed in
    between) and the same interpreter; a run with an unknown digest never counts, and
    skips and xfails are passed over.
    """
    flips: set[int] = set()
    previous: tuple[HistoryPoint, bool] | None = None
    for point in history:
        passed = _pass_or_fail(point.outcome)
        if passed is None:
            continue
        if previous is not None:
            before, passed_before = previous
            if (
                passed != passed_before
                and point.source_digest is not None
                and point.source_digest == before.source_digest
                and point.interpreter == before.interpreter
            ):
                flips.add(point.run_id)
        previous = (point, passed)
    return frozenset(flips)
