"""The affected-test selector the CLI and the app share: a graph kept current, and rules.

It owns the I/O around the pure rules in :mod:`cockpit.watch.selection`: reading the
configuration, building the import graph once, rescanning only the files that changed,
and reading the last failures from the pytest cache that cockpit's runs keep.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.settings import DATA_DIR_NAME, pytest_cache_dir
from cockpit.watch.computed_imports import ComputedImports
from cockpit.watch.config import CONFIG_FILES, WatchConfig, load_config
from cockpit.watch.graph import ImportGraph
from cockpit.watch.scan_cache import CACHE_NAME, ScanCache
from cockpit.watch.selection import Selection, select

if TYPE_CHECKING:
    from cockpit.store.call_map import CallMapStore

MapOpener = Callable[[], "CallMapStore | None"]


def read_last_failed(root: Path) -> list[str]:
    """Node ids that failed in cockpit's last runs (pytest's ``lastfailed`` cache entry)."""
    path = pytest_cache_dir(root) / "v" / "cache" / "lastfailed"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return sorted(data) if isinstance(data, dict) else []


class AffectedSelector:
    """Select the tests that changed files can affect, in the project at ``root``."""

    def __init__(
        self,
        root: Path,
        config: WatchConfig | None = None,
        *,
        cache: bool = True,
        call_map: MapOpener | None = None,
    ) -> None:
        self.root = root.resolve()
        self.call_map = call_map
        """Opens the session log whose call map narrows selections (None: the import
        graph alone, as ``--coarse``); called in the selecting thread."""
        self.config = config or load_config(self.root)
        self.cache = ScanCache(self.root / DATA_DIR_NAME / CACHE_NAME if cache else None)
        self.computed = ComputedImports(self.root)
        self.graph = self._build()

    def _build(self) -> ImportGraph:
        return ImportGraph.build(self.root, self.config.layout, self.cache)

    def _use_computed_imports(self, graph: ImportGraph) -> None:
        """The edges runs recorded for imports by computed name, and which loaders a
        complete run has fully shown (re-read when a run has written new ones)."""
        if self.computed.changed_on_disk():
            self.computed = ComputedImports(self.root)
        loaders = [path for path, node in graph.nodes.items() if node.scan.dynamic]
        known = [path for path in loaders if self.computed.known(path)]
        graph.use_runtime_edges(self.computed.absolute_edges(), known)

    def _absolute(self, path: Path) -> Path:
        path = path if path.is_absolute() else self.root / path
        # Resolve the folder only: a deleted file must keep its name, not follow a link.
        return path.parent.resolve() / path.name

    def select(self, changed: Iterable[Path], last_failed: Iterable[str] = ()) -> Selection:
        """The tests to run for these changed paths (absolute or relative to the root),
        plus the files of ``last_failed`` node ids, which run first."""
        paths = sorted({self._absolute(Path(path)) for path in changed})
        if any(path.name in CONFIG_FILES and path.parent == self.root for path in paths):
            self.config = load_config(self.root)
            self.graph = self._build()
        elif any(
            path.name == "__init__.py" and (path in self.graph.nodes) != path.is_file()
            for path in paths
        ):
            # A package appeared or vanished: every module name under it changed.
            deleted = {path for path in paths if path in self.graph.nodes and not path.is_file()}
            old = self.graph
            self.graph = self._build()
            selection_graph = old if deleted else self.graph
            return self._select(paths, last_failed, selection_graph)
        else:
            self.graph.update(path for path in paths if path.is_file())
        selection = self._select(paths, last_failed, self.graph)
        self.graph.update(path for path in paths if not path.is_file())
        return selection

    def _select(
        self, paths: list[Path], last_failed: Iterable[str], graph: ImportGraph
    ) -> Selection:
        self._use_computed_imports(graph)
        last_failed = list(last_failed)
        failed_files = Counter(nodeid.split("::", 1)[0] for nodeid in last_failed)
        existing = {
            name: count for name, count in failed_files.items() if (self.root / name).is_file()
        }
        coarse = select(paths, graph, self.config, existing)
        log = self.call_map() if self.call_map is not None else None
        if log is None:
            return coarse
        from cockpit.watch.call_map_selection import CallMapNarrowing

        def reaches(relative: str) -> frozenset[str] | None:
            alone = select([self.root / relative], graph, self.config)
            return None if alone.everything else frozenset(t.path for t in alone.targets)

        inside = [path for path in paths if self.root in path.parents]
        return CallMapNarrowing(self.root, log).narrow(coarse, inside, reaches, last_failed)
