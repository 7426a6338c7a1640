"""Which modules of the session picture are stale: a file they depend on changed since the
run their results come from.

"Depend on" is what watch mode reruns on a save: the import graph, conftests, pytest's
configuration (:class:`~cockpit.watch.affected.AffectedSelector`, which widens rather than
miss a test). For each run the picture holds results from, the files whose content
differs between that run's snapshot and the project as it is now are fed to the selector;
a module is stale when the selection holds it. Modules whose results come from a run
without a snapshot (recorded before schema 0008) are neither: unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from cockpit.errors import CockpitError
from cockpit.store.snapshots import FileChange, FileState, read_project_files
from cockpit.suite.picture import SuitePicture

RunFiles = Callable[[int], dict[str, str] | None]


class Staleness(NamedTuple):
    """Per module of a picture: True (stale), False (fresh) or None (unknown)."""

    modules: dict[str, bool | None]
    problem: str | None = None
    """Why staleness could not be told at all (a watch configuration cockpit cannot read)."""

    @property
    def stale(self) -> list[str]:
        return sorted(path for path, stale in self.modules.items() if stale)


def changed_between(before: Mapping[str, str], after: Mapping[str, str]) -> list[FileChange]:
    """The files whose content differs between two file maps (path -> digest), by path."""
    return [
        FileChange(path, before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]


def current_files(root: Path, known: Mapping[str, FileState]) -> dict[str, str]:
    """Path -> content digest of the project's files now; only files whose size or
    modification time differ from ``known`` (the newest snapshot) are read."""
    files = read_project_files(root, known)
    return {path: state.digest for path, state in files.states.items()}


def stale_modules(
    root: Path, picture: SuitePicture, run_files: RunFiles, now: Mapping[str, str]
) -> Staleness:
    """Which modules of ``picture`` a change since their oldest result may have affected."""
    modules = picture.modules()
    if not modules:
        return Staleness({})
    runs = {module.oldest_run for module in modules.values()}
    changes: dict[int, list[str] | None] = {}
    for run_id in runs:
        seen = run_files(run_id)
        if seen is None:
            changes[run_id] = None
        else:
            changes[run_id] = [change.path for change in changed_between(seen, dict(now))]
    affected: dict[int, frozenset[str] | None] = {}
    if any(changes.values()):
        try:
            from cockpit.watch.affected import AffectedSelector

            selector = AffectedSelector(root)
        except (CockpitError, OSError) as error:
            unknown: dict[str, bool | None] = dict.fromkeys(modules, None)
            return Staleness(unknown, f"cannot tell which modules are stale: {error}")
    for run_id, changed in changes.items():
        if not changed:
            affected[run_id] = None if changed is None else frozenset()
            continue
        selection = selector.select([root / path for path in changed])
        if selection.everything:
            affected[run_id] = frozenset(modules)
        else:
            affected[run_id] = frozenset(target.path for target in selection.targets)
    result: dict[str, bool | None] = {}
    for path, module in modules.items():
        hit = affected[module.oldest_run]
        result[path] = None if hit is None else path in hit
    return Staleness(result)
