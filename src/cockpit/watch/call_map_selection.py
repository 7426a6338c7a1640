"""The I/O around :mod:`cockpit.watch.precise`: the call map, contents and digests.

Reads the map's entries for the test files the import graph selected, the digests of the
files as the last snapshot saw them (the changed paths read from disk now), the
snapshots of the runs that traced the entries, and the old contents the session log
kept, then lets the pure rules narrow the selection.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.watch.function_diff import FileDiff, function_diff
from cockpit.watch.precise import Judge, MapView, Reaches, narrow
from cockpit.watch.selection import Selection

if TYPE_CHECKING:
    from cockpit.store.call_map import CallMapStore


class CallMapNarrowing:
    """Narrows selections of one project with the call map of its session log."""

    def __init__(self, root: Path, log: CallMapStore) -> None:
        self.root = root
        self.log = log
        self._contents: dict[str, bytes] = {}

    def _content(self, digest: str) -> bytes | None:
        if digest not in self._contents:
            kept = self.log.file_content(digest)
            if kept is None:
                return None
            self._contents[digest] = kept
        return self._contents[digest]

    def diff(self, path: str, old: str | None, new: str | None) -> FileDiff | None:
        before = self._content(old) if old else None
        after = self._content(new) if new else None
        if before is None or after is None:
            return None
        return function_diff(before, after)

    def _now(self, changed: Iterable[Path]) -> dict[str, str]:
        """File -> digest: the last snapshot's, the changed files' as they are on disk."""
        now = {path: state.digest for path, state in self.log.last_snapshot_files().items()}
        for path in changed:
            relative = path.relative_to(self.root).as_posix()
            try:
                content = path.read_bytes()
            except OSError:
                now.pop(relative, None)
                continue
            digest = hashlib.sha256(content).hexdigest()
            self._contents[digest] = content
            now[relative] = digest
        return now

    def narrow(
        self,
        coarse: Selection,
        changed: Iterable[Path],
        reaches: Reaches,
        last_failed: Iterable[str] = (),
    ) -> Selection:
        """``coarse`` without the tests the map proves the changes cannot reach."""
        if coarse.everything or not coarse.targets:
            return coarse
        test_files = [target.path for target in coarse.targets]
        entries = self.log.call_map(test_files)
        if not entries:
            why = "no call map for these tests yet (a recorded cockpit run builds it)"
            return dataclasses.replace(coarse, notes=(*coarse.notes, why))
        run_ids = {entry.run_id for entry in entries.values()}
        view = MapView(
            entries=entries,
            outside=self.log.outside_functions(),
            traced=self.log.traced_files(),
            run_files={run_id: self.log.run_files(run_id) for run_id in run_ids},
            now=self._now(changed),
            known_tests=self.log.known_tests(test_files),
        )
        return narrow(coarse, Judge(view, self.diff, reaches), frozenset(last_failed))
