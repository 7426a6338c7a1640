"""Fixes tied to the change that made them: where a new fix sits among the recorded runs
(see ``fix_placement``), and what its evidence shows.

Runs recorded before snapshots existed (schema 0008) keep the earlier rule: the fix is
stamped with the last finished run, its files default to what git shows changed since, and
its evidence is the first run started after it that covers its failing tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select

from cockpit.engine.outcomes import FAILING
from cockpit.report.figures import evidence_words
from cockpit.rootcause.hints import hint_for
from cockpit.rootcause.signature import signature_of
from cockpit.session.fix_placement import place
from cockpit.session.gitinfo import changed_files_since
from cockpit.session.staleness import current_files
from cockpit.store.coverage import Evidence, evidence_between
from cockpit.store.models import Fix, Result, Run
from cockpit.store.session_log import SessionLog
from cockpit.suite.reading import first_line

_NOT_RESULTS = ("running", "usage-error")
_WHOLE = ("failed", "passed")


class FixPlan(NamedTuple):
    """Where a fix about to be logged sits: its before run, its evidence, its files."""

    before_run: int | None
    evidence_run: int | None
    files: tuple[str, ...]
    from_snapshots: bool
    """False when the runs predate snapshots (the rule before schema 0008 was applied)."""


def _window(log: SessionLog) -> tuple[list[Run], int]:
    """The runs a new fix can sit among, oldest first, and the index of the run only after
    which it can be proved: the previous fix's (its evidence run, else its before run), or
    the run before the active session. They reach back to the last whole-suite run at or
    before that run: earlier results say how each test last ended."""
    runs = [run for run in reversed(log.runs()) if run.outcome not in _NOT_RESULTS]
    session = log.active_session().id
    first = next((i for i, run in enumerate(runs) if run.session_id == session), len(runs))
    start = max(0, first - 1)
    anchors = [
        run_id
        for fix in log.fixes()
        for run_id in (fix.before_run_id, fix.evidence_run_id)
        if run_id is not None
    ]
    bound = start
    if anchors:  # a fix of an earlier session does not widen the window
        fixed = max((i for i, run in enumerate(runs) if run.id <= max(anchors)), default=0)
        bound = max(fixed, start)
    whole = [i for i in range(bound + 1) if runs[i].whole_suite and runs[i].outcome in _WHOLE]
    start = min(start, whole[-1] if whole else bound)
    return runs[start:], bound - start


def place_fix(log: SessionLog, root: Path, files: Sequence[str] | None = None) -> FixPlan:
    """Where a fix logged now sits (``files``: the files the user named, else found)."""
    window, bound = _window(log)
    if not window:
        return FixPlan(None, None, tuple(files or ()), False)
    snapshots = [(run, log.run_files(run.id)) for run in window]
    if snapshots[-1][1] is None:  # the runs predate snapshots: the rule from before them
        newest = window[-1]
        found = files if files is not None else changed_files_since(root, newest.started_at)
        return FixPlan(newest.id, None, tuple(found), False)
    kept = [
        (index, run.id, seen) for index, (run, seen) in enumerate(snapshots) if seen is not None
    ]
    now = current_files(root, log.last_snapshot_files())
    placement = place(
        [run_id for _, run_id, _ in kept],
        [seen for _, _, seen in kept],
        now,
        log.run_outcomes,
        files,
        bound=max((i for i, (index, _, _) in enumerate(kept) if index <= bound), default=0),
    )
    return FixPlan(placement.before_run, placement.evidence_run, placement.files, True)


def fix_evidence(log: SessionLog, fix: Fix) -> Evidence | None:
    """What ``fix``'s evidence run shows against its before run; None while no run has
    covered the fix yet."""
    if fix.before_run_id is None or fix.evidence_run_id is None:
        return None
    before = log.run(fix.before_run_id)
    return evidence_between(
        log.run_outcomes(before.id),
        log.run_outcomes(fix.evidence_run_id),
        before_whole=before.whole_suite,
    )


class ResolvedCause(NamedTuple):
    """A root cause whose failing tests the evidence run turned to pass."""

    key: str
    flipped: int
    size: int
    """How many tests failed with it in the before run."""
    hint: str | None


class FixPrefill(NamedTuple):
    """What a fix about to be logged can be prefilled with, from the runs around it."""

    plan: FixPlan
    evidence: Evidence | None
    causes: tuple[ResolvedCause, ...]
    """Largest first."""
    imports_again: tuple[tuple[str, str], ...]
    """(module, the first line of the collection error it had), sorted."""

    @property
    def placement(self) -> str:
        """``run 1 -> run 2: 20 tests flipped to pass``, or what the fix waits for."""
        plan = self.plan
        if plan.before_run is None:
            return "no run recorded yet"
        if plan.evidence_run is None or self.evidence is None:
            return f"after run {plan.before_run}; the next run covering its tests proves it"
        words = evidence_words(self.evidence)
        return f"run {plan.before_run} -> run {plan.evidence_run}: {words}"

    @property
    def problem(self) -> str:
        """The symptom that went away, in one line."""
        parts = [
            f"{cause.flipped} of {cause.size} failing with {cause.key} pass now"
            for cause in self.causes
        ]
        parts += [f"{module} imports again ({message})" for module, message in self.imports_again]
        return "; ".join(parts)


def fix_prefill(log: SessionLog, root: Path) -> FixPrefill:
    """Where a fix logged now sits, and the root causes and import errors that went away
    between its before run and its evidence run."""
    plan = place_fix(log, root)
    if plan.before_run is None or plan.evidence_run is None:
        return FixPrefill(plan, None, (), ())
    before = log.run(plan.before_run)
    after = log.run_outcomes(plan.evidence_run)
    evidence = evidence_between(log.run_outcomes(before.id), after, before_whole=before.whole_suite)
    with log.engine.connect() as connection:
        rows = connection.execute(
            select(Result.nodeid, Result.root_key).where(
                Result.run_id == before.id, Result.outcome.in_(sorted(FAILING))
            )
        ).all()
    flipped = {nodeid for tests in evidence.flipped.values() for nodeid in tests}
    sizes: dict[str, int] = {}
    gone: dict[str, list[str]] = {}
    for nodeid, key in rows:
        key = key or "unknown"
        sizes[key] = sizes.get(key, 0) + 1
        if nodeid in flipped:
            gone.setdefault(key, []).append(nodeid)
    failures = log.failures(before.id) if gone else {}
    causes = []
    for key, tests in sorted(gone.items(), key=lambda item: (-len(item[1]), item[0])):
        failure = failures.get(min(tests))
        hint = None
        if failure is not None:
            signature = signature_of(failure.message, failure.longrepr, before.rootdir or None)
            found = hint_for(signature.exception, signature.raw_message)
            hint = found[1] if found else None
        causes.append(ResolvedCause(key, len(tests), sizes[key], hint))
    errors = {error.path: error.message for error in log.collection_errors(before.id)}
    imported = tuple(
        (module, first_line(errors.get(module)) or "import failed")
        for module in evidence.errors_resolved
    )
    return FixPrefill(plan, evidence, tuple(causes), imported)
