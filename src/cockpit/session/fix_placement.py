"""Where a fix sits among the runs: the run before its change, the run that proved it, and
its files. Pure: the runs' file snapshots and outcomes are handed in.

The rules (``cockpit fix add`` and the app's ``F`` follow them):

* the fix's **before run** is the last run before the files it names first changed, among
  the runs since the previous fix (its evidence run, else its before run), or since the
  start of the session when there was none. Without named files, any file counts;
* its **evidence** is the first run after that change which ran tests failing (or modules
  not importing) in the before run and in which at least one of them no longer fails:
  whether it ran before ``fix add`` or after. Runs in between that covered them and still
  failed were the fix in progress; when no recorded run proved it yet, the next run that
  covers them becomes its evidence, whatever it shows;
* its **files** default to those whose content changed between the before run and the
  evidence run, less any changed back since (a file edited and then restored is not part of
  the fix); with no evidence yet, those changed since the before run. Git plays no part.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from cockpit.store.coverage import RunOutcomes, proves

FileMap = Mapping[str, str]
"""Path -> content digest."""


class Placement(NamedTuple):
    before_run: int
    evidence_run: int | None
    files: tuple[str, ...]


def first_change(states: Sequence[FileMap], files: Sequence[str] | None) -> int:
    """The index of the last state before ``files`` (every file, when None) first differ
    from one state to the next; the last index when they never do."""
    for index in range(len(states) - 1):
        before, after = states[index], states[index + 1]
        if files is None:
            if before != after:
                return index
        elif any(before.get(path) != after.get(path) for path in files):
            return index
    return len(states) - 1


def changed_paths(before: FileMap, after: FileMap) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def fix_files(before: FileMap, evidence: FileMap | None, now: FileMap) -> tuple[str, ...]:
    """The files a fix changed: between its before and evidence runs, still changed now."""
    since = changed_paths(before, now)
    if evidence is None:
        return tuple(sorted(since))
    return tuple(sorted(changed_paths(before, evidence) & since))


def place(
    runs: Sequence[int],
    states: Sequence[FileMap],
    now: FileMap,
    outcomes: Callable[[int], RunOutcomes],
    files: Sequence[str] | None = None,
) -> Placement:
    """The fix's place among ``runs`` (ids, oldest first, each with its snapshot in
    ``states``), the project's files being ``now``; ``outcomes`` reads a run's results."""
    index = first_change([*states, now], files)
    before_index = min(index, len(runs) - 1)
    before = outcomes(runs[before_index])
    evidence: int | None = None
    evidence_state: FileMap | None = None
    for later, state in zip(runs[before_index + 1 :], states[before_index + 1 :], strict=True):
        results = outcomes(later)
        if proves(before, results):
            evidence, evidence_state = later, state
            break
    named = tuple(files) if files is not None else None
    chosen = named if named is not None else fix_files(states[before_index], evidence_state, now)
    return Placement(runs[before_index], evidence, chosen)
