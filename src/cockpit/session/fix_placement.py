"""Where a fix sits among the runs: the run before its change, the run that proved it, and
its files. Pure: the runs' file snapshots and outcomes are handed in.

The rules (``cockpit fix add`` and the app's ``F`` follow them), among the runs since the
previous fix (its evidence run, else its before run), or since the start of the session;
earlier runs only say how each test last ended:

* its **evidence** is the first of those runs in which a test that was failing (in the run
  that last ran it) no longer fails, or a module that did not import is collected: the run
  that proved it, whether it ran before ``fix add`` or after;
* its **before run** is the last run showing those tests failing before the files changed:
  going back from the evidence over the runs that still failed them, to the first such
  run, then forward to the last one whose files are those of that first run (the files the
  user named, when named). Runs in between that still failed were the fix in progress;
* when no recorded run proved it yet, the before run is the last run before the files
  (named, or any) last changed, and the next run that covers its failing tests becomes
  its evidence, whatever it shows;
* its **files** default to those whose content changed between the before run and the
  evidence run, less any changed back since (a file edited and then restored is not part of
  the fix) and any changed only before the previous fix; with no evidence yet, those
  changed since the before run. Git plays no part.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from cockpit.engine.outcomes import FAILING
from cockpit.store.coverage import RunOutcomes

FileMap = Mapping[str, str]
"""Path -> content digest."""


class Placement(NamedTuple):
    before_run: int
    evidence_run: int | None
    files: tuple[str, ...]


def last_change(states: Sequence[FileMap], files: Sequence[str] | None) -> int:
    """The index of the last state before ``files`` (every file, when None) last differ
    from one state to the next; the last index when they never do."""
    for index in range(len(states) - 2, -1, -1):
        if _differ(states[index], states[index + 1], files):
            return index
    return len(states) - 1


def _differ(before: FileMap, after: FileMap, files: Sequence[str] | None) -> bool:
    if files is None:
        return before != after
    return any(before.get(path) != after.get(path) for path in files)


def changed_paths(before: FileMap, after: FileMap) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def fix_files(before: FileMap, evidence: FileMap | None, now: FileMap) -> tuple[str, ...]:
    """The files a fix changed: between its before and evidence runs, still changed now."""
    since = changed_paths(before, now)
    if evidence is None:
        return tuple(sorted(since))
    return tuple(sorted(changed_paths(before, evidence) & since))


class Proof(NamedTuple):
    """The first run that proved something, and what: tests that stopped failing, modules
    that import again."""

    run_index: int
    tests: frozenset[str]
    modules: frozenset[str]


def first_proof(results: Sequence[RunOutcomes], after: int = 0) -> Proof | None:
    """The first run after index ``after`` in which a test failing in the run that last ran
    it no longer fails, or a module not importing in the run that last tried it is
    collected (the runs up to ``after`` only say how each test last ended)."""
    latest: dict[str, str] = {}
    broken: set[str] = set()
    for index, run in enumerate(results):
        if index > after:
            flipped = frozenset(
                nodeid
                for nodeid, (_, outcome) in run.tests.items()
                if latest.get(nodeid) in FAILING and outcome not in FAILING
            )
            collected = {module for module, _ in run.tests.values()}
            resolved = frozenset((broken & collected) - run.errors)
            if flipped or resolved:
                return Proof(index, flipped, resolved)
        latest.update((nodeid, outcome) for nodeid, (_, outcome) in run.tests.items())
        collected = {module for module, _ in run.tests.values()}
        broken = (broken - collected) | set(run.errors)
    return None


def _shows_failing(run: RunOutcomes, proof: Proof) -> bool | None:
    """True when ``run`` fails what ``proof`` fixed, False when it passes it, None when it
    did not run any of it."""
    outcomes = [run.tests[nodeid][1] for nodeid in proof.tests if nodeid in run.tests]
    if any(outcome in FAILING for outcome in outcomes) or proof.modules & run.errors:
        return True
    collected = {module for module, _ in run.tests.values()}
    return False if outcomes or proof.modules & collected else None


def before_of(
    proof: Proof,
    results: Sequence[RunOutcomes],
    states: Sequence[FileMap],
    files: Sequence[str] | None,
) -> int:
    """The before run of a proof: the last run failing what it fixed, before the files
    changed since the first run of that streak of failures."""
    failing: list[int] = []
    for index in range(proof.run_index - 1, -1, -1):
        shown = _shows_failing(results[index], proof)
        if shown is False:
            break
        if shown:
            failing.append(index)
    if not failing:
        return proof.run_index - 1
    failing.reverse()
    start = failing[0]
    chosen = start
    for index in failing[1:]:
        if _differ(states[start], states[index], files):
            break
        chosen = index
    return chosen


def place(
    runs: Sequence[int],
    states: Sequence[FileMap],
    now: FileMap,
    outcomes: Callable[[int], RunOutcomes],
    files: Sequence[str] | None = None,
    bound: int = 0,
) -> Placement:
    """The fix's place among ``runs`` (ids, oldest first, each with its snapshot in
    ``states``), the project's files being ``now``; ``outcomes`` reads a run's results.

    ``bound`` is the index of the previous fix's run: only a later run can prove this fix,
    and no file changed before it is this fix's, but a test this fix turned to pass may
    have last failed earlier (in a run the previous fix's proof did not rerun)."""
    results = [outcomes(run_id) for run_id in runs]
    proof = first_proof(results, bound)
    evidence_state: FileMap | None = None
    if proof is None:
        before = bound + min(last_change([*states[bound:], now], files), len(runs) - 1 - bound)
        evidence = None
    else:
        before = before_of(proof, results, states, files)
        evidence, evidence_state = runs[proof.run_index], states[proof.run_index]
    named = tuple(files) if files is not None else None
    chosen = named if named is not None else fix_files(states[before], evidence_state, now)
    if named is None and before < bound:  # what changed before the previous fix was its
        since = changed_paths(states[bound], now)
        chosen = tuple(path for path in chosen if path in since)
    return Placement(runs[before], evidence, chosen)
