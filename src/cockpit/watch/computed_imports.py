"""Imports by computed name, as runs saw them: the edges no reading of the source can find.

A file that calls ``importlib.import_module(name)`` or ``__import__(name)`` with a
computed ``name`` may load any module, so the selection widens to every test that
reaches it. The plugin records, in every run, which project file each such call actually
loaded (``cockpit_import_recorder``); they are kept here, in
``.cockpit/computed-imports.json``, as edges the import graph adds to its own.

When may the widening stop? Only where a run has shown *everything* a call reaches: a
whole-suite run that ran every test module in its own process (no collection error, not
interrupted or crashed, not under xdist, whose workers run the tests out of sight). Such a
run stores the size and mtime of every source file; a loader still unchanged since then is
*known*: its recorded edges are all it reaches, so a change elsewhere selects only the
tests that reach the changed file through them. An edited loader is unknown again until
the next such run. Runs of a subset only add edges (a wider selection, never a narrower).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from cockpit.settings import DATA_DIR_NAME, write_json_atomically
from cockpit.store.sources import source_files

FILE_NAME = "computed-imports.json"


def _relative(path: str, root: Path) -> str | None:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return None


class ComputedImports:
    """The recorded edges (importing file -> loaded files) and the stats of a complete run."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.path = self.root / DATA_DIR_NAME / FILE_NAME
        self.edges: dict[str, set[str]] = {}
        self.complete_files: dict[str, tuple[int, int]] = {}
        """Every source file's (size, mtime_ns) when the last complete run ended."""
        self.stamp: int | None = None
        self._load()

    def _load(self) -> None:
        try:
            self.stamp = self.path.stat().st_mtime_ns
            data = json.loads(self.path.read_text(encoding="utf-8"))
            edges = {str(k): {str(t) for t in v} for k, v in data.get("edges", {}).items()}
            files = {str(k): (int(v[0]), int(v[1])) for k, v in data.get("files", {}).items()}
        except (OSError, ValueError, AttributeError, TypeError, IndexError):
            return
        self.edges, self.complete_files = edges, files

    def changed_on_disk(self) -> bool:
        try:
            return self.path.stat().st_mtime_ns != self.stamp
        except OSError:
            return self.stamp is not None

    def learn(self, computed: Iterable[tuple[str, str, str]], *, complete: bool) -> None:
        """Add a run's edges ((importer, module, file), absolute paths); a complete run's
        edges replace the others, and its file stats make the loaders in it known."""
        edges: dict[str, set[str]] = {} if complete else {k: set(v) for k, v in self.edges.items()}
        for importer, _name, target in computed:
            source, loaded = _relative(importer, self.root), _relative(target, self.root)
            if source is not None and loaded is not None and source != loaded:
                edges.setdefault(source, set()).add(loaded)
        if complete:
            self.complete_files = {
                path: (size, mtime) for path, size, mtime in source_files(self.root)
            }
        elif edges == self.edges:
            return
        self.edges = edges
        self._save()

    def _save(self) -> None:
        payload = {
            "edges": {k: sorted(v) for k, v in sorted(self.edges.items())},
            "files": {k: list(v) for k, v in sorted(self.complete_files.items())},
        }
        if write_json_atomically(self.path, payload):  # read-only: it stays as wide as before
            self.stamp = self.path.stat().st_mtime_ns

    def known(self, path: Path) -> bool:
        """Whether a complete run has shown everything ``path`` loads by computed name."""
        relative = _relative(str(path), self.root)
        recorded = self.complete_files.get(relative) if relative else None
        if recorded is None:
            return False
        try:
            stat = path.stat()
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == recorded

    def absolute_edges(self) -> dict[Path, set[Path]]:
        return {
            self.root / source: {self.root / target for target in targets}
            for source, targets in self.edges.items()
        }
