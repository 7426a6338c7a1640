"""The session picture's records: counts, runs, each test's latest result, each module's.

``NamedTuple`` records, not dataclasses: ``cockpit export`` and ``cockpit status`` import
this and have a start-up budget (``dataclasses`` costs ~15 ms, see ``report.model``). This
module also does without ``from __future__ import annotations`` for the same reason as
``store.quick_read``: ``NamedTuple`` would compile every annotation it gets as a string.
"""

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

FAILING = ("crashed", "error", "failed")
"""Outcomes of a failing test, as the recorder stores them (sorted, for SQL text)."""
FINISHED = ("failed", "passed")
"""Run outcomes of a run that went to its end: only those can stand for the whole suite."""
COUNT_FIELD = {
    "passed": "passed",
    "failed": "failed",
    "error": "errors",
    "crashed": "crashed",
    "skipped": "skipped",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
}
"""A stored outcome -> the :class:`Counts` field that counts it."""


class Counts(NamedTuple):
    """How many tests ended with each outcome (in a run, a module, or the picture)."""

    passed: int = 0
    failed: int = 0
    errors: int = 0
    crashed: int = 0
    skipped: int = 0
    xfailed: int = 0
    xpassed: int = 0

    @property
    def tests(self) -> int:
        return sum(self)

    @property
    def failing(self) -> int:
        return self.failed + self.errors + self.crashed


def counts_of(outcomes: Iterable[str]) -> Counts:
    """The counts of these stored outcomes (unknown ones are not counted)."""
    values = dict.fromkeys(Counts._fields, 0)
    for outcome in outcomes:
        field = COUNT_FIELD.get(outcome)
        if field is not None:
            values[field] += 1
    return Counts(**values)


def add_counts(*counts: Counts) -> Counts:
    return Counts(*(sum(column) for column in zip(Counts(), *counts, strict=True)))


class RunFacts(NamedTuple):
    """What the picture needs to know of one recorded run."""

    id: int
    selection: str
    """``the whole suite`` or ``subset: ...``, as recorded."""
    whole_suite: bool
    outcome: str
    started_at: float
    args: tuple[str, ...] = ()
    """The pytest arguments it ran with: which files it covered whole."""

    @property
    def finished(self) -> bool:
        return self.outcome in FINISHED


class RecordedResult(NamedTuple):
    """One test's result in one run, as the session log stores it."""

    module: str
    outcome: str
    duration: float = 0.0
    root_key: str | None = None


class RunResults(NamedTuple):
    """One run's results, to fold into a picture."""

    run: RunFacts
    tests: Mapping[str, RecordedResult]
    collection_errors: Mapping[str, str]
    """Module path -> the first line of its collection error."""
    counted: Mapping[str, Counts] = MappingProxyType({})
    """Modules known only by their counts (their tests were not read: the export's quick
    path, for the modules no later run touched). Only a run that covers them whole."""


class LatestResult(NamedTuple):
    """A test's latest result in the session, the run it came from, and the one before."""

    nodeid: str
    module: str
    outcome: str
    run_id: int
    duration: float = 0.0
    root_key: str | None = None
    previous: str | None = None
    """Its outcome in the result before this one; None for a test new to the picture."""
    previous_run: int | None = None


class ModuleState(NamedTuple):
    """One module as last seen: its counts, the runs they come from, its import error."""

    path: str
    counts: Counts
    runs: tuple[int, ...]
    """The runs its results come from, oldest first (a subset run updates some tests)."""
    collection_error: str | None = None
    """The first line of its collection error, when the last run that collected it failed to
    import it: it stays until a run shows the module importable."""
    known: int = 0
    """Its failing tests that an open known issue names."""

    @property
    def last_run(self) -> int:
        return self.runs[-1]

    @property
    def oldest_run(self) -> int:
        return self.runs[0]

    @property
    def failing(self) -> bool:
        return self.collection_error is not None or self.counts.failing > 0
