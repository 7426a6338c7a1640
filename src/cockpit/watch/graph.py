"""The project's import graph: which files each file imports, and the reverse.

Built once by scanning every Python file under the root, then updated file by file as
they change. Names are resolved the way pytest's default ``prepend`` import mode makes
them importable: a file's *base folder* is the first folder above it without an
``__init__.py`` (so ``src/pkg/a.py`` is ``pkg.a`` and a test folder that is not a package
gives ``from helpers import x`` the name ``helpers``). Importing ``a.b.c`` runs
``a/__init__.py`` and ``a/b/__init__.py`` too, so every prefix is an edge, and every module
depends on its own package's ``__init__.py``. A name several files could satisfy gets an
edge to each of them: a wrong extra edge costs a few extra tests, a missing one a missed test.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from cockpit.watch.config import PytestLayout
from cockpit.watch.scan import FileScan, scan_source
from cockpit.watch.scan_cache import ScanCache

SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".cockpit", "__pycache__", "node_modules", "build", "dist"}
)
"""Folders never scanned (plus hidden folders and any folder holding ``pyvenv.cfg``)."""


def is_skipped_dir(folder: Path) -> bool:
    name = folder.name
    return (
        name in SKIPPED_DIRS
        or (name.startswith(".") and name not in (".", ".."))
        or name.endswith(".egg-info")
        or (folder / "pyvenv.cfg").exists()
    )


@dataclass(slots=True)
class GraphNode:
    """One scanned Python file and the project files it imports."""

    path: Path
    module: str
    basedir: Path
    scan: FileScan
    imports: set[Path]


@dataclass(frozen=True, slots=True)
class Reached:
    """A file that reaches a changed file through imports, and the next hop on the way."""

    path: Path
    via: Path | None
    """The file it imports on the way (None: it imports the changed file directly)."""


class ImportGraph:
    """Files, their module names and import edges; queried from the changed end."""

    def __init__(
        self, root: Path, layout: PytestLayout | None = None, cache: ScanCache | None = None
    ) -> None:
        self.root = root.resolve()
        self.layout = layout or PytestLayout()
        self.cache = cache or ScanCache(None)
        self.nodes: dict[Path, GraphNode] = {}
        self._by_name: dict[str, set[Path]] = {}
        self._importers: dict[Path, set[Path]] = {}
        self._unresolved: dict[str, set[Path]] = {}
        self._package_dirs: dict[Path, bool] = {}
        self._test_files: list[Path] | None = None
        self._runtime_importers: dict[Path, set[Path]] = {}
        """Edges runs saw an import by computed name make (loaded file -> importing files)."""
        self._known_loaders: frozenset[Path] = frozenset()
        """Loaders by computed name whose every load a complete run has recorded."""

    # -- building ------------------------------------------------------------------------
    @classmethod
    def build(
        cls, root: Path, layout: PytestLayout | None = None, cache: ScanCache | None = None
    ) -> ImportGraph:
        graph = cls(root, layout, cache)
        files = list(graph.python_files())
        for path in files:
            graph._add_node(path, graph._scan(path))
        for node in graph.nodes.values():
            graph._link(node)
        graph.cache.save()
        return graph

    def python_files(self) -> Iterator[Path]:
        for folder, dirs, files in os.walk(self.root):
            base = Path(folder)
            dirs[:] = sorted(d for d in dirs if not is_skipped_dir(base / d))
            for name in sorted(files):
                if name.endswith(".py"):
                    yield base / name

    def _is_package_dir(self, folder: Path) -> bool:
        known = self._package_dirs.get(folder)
        if known is None:
            known = self._package_dirs[folder] = (folder / "__init__.py").is_file()
        return known

    def _naming(self, path: Path) -> tuple[str, Path]:
        """The dotted module name of ``path`` and its base folder."""
        parts = [] if path.name == "__init__.py" else [path.stem]
        folder = path.parent
        while self._is_package_dir(folder) and folder != folder.parent:
            parts.append(folder.name)
            folder = folder.parent
        return ".".join(reversed(parts)), folder

    def _scan(self, path: Path) -> FileScan:
        module, _ = self._naming(path)
        try:
            stat = path.stat()
            relative = path.relative_to(self.root).as_posix()
            cached = self.cache.get(relative, stat)
            if cached is not None:
                return cached
            source = path.read_bytes()
        except (OSError, ValueError) as error:
            return FileScan(frozenset(), (), f"unreadable: {error}")
        scan = scan_source(source, module, is_package=path.name == "__init__.py")
        self.cache.put(relative, stat, scan)
        return scan

    def _add_node(self, path: Path, scan: FileScan) -> GraphNode:
        module, basedir = self._naming(path)
        node = GraphNode(path, module, basedir, scan, set())
        self.nodes[path] = node
        self._test_files = None
        if module:
            self._by_name.setdefault(module, set()).add(path)
        return node

    def _resolve(self, name: str, node: GraphNode) -> set[Path]:
        found = self._by_name.get(name)
        if not found:
            return set()
        own = {path for path in found if self.nodes[path].basedir == node.basedir}
        return own or set(found)

    def _link(self, node: GraphNode) -> None:
        targets: set[Path] = set()
        for name in node.scan.imports:
            parts = name.split(".")
            for end in range(1, len(parts) + 1):
                prefix = ".".join(parts[:end])
                resolved = self._resolve(prefix, node)
                if resolved:
                    targets |= resolved
                else:
                    self._unresolved.setdefault(prefix, set()).add(node.path)
        package_init = node.path.parent / "__init__.py"
        if node.path.name == "__init__.py":
            package_init = node.path.parent.parent / "__init__.py"
        if package_init in self.nodes:
            targets.add(package_init)
        targets.discard(node.path)
        node.imports = targets
        for target in targets:
            self._importers.setdefault(target, set()).add(node.path)

    def _unlink(self, node: GraphNode) -> None:
        for target in node.imports:
            self._importers.get(target, set()).discard(node.path)
        node.imports = set()

    # -- updating ------------------------------------------------------------------------
    def update(self, paths: Iterable[Path]) -> None:
        """Rescan the given files: changed, new or deleted ones (nothing else is read)."""
        for path in paths:
            path = path if path.is_absolute() else self.root / path
            if path.suffix != ".py":
                continue
            if path.name == "__init__.py":
                self._package_dirs.pop(path.parent, None)
            old = self.nodes.get(path)
            if old is not None:
                self._unlink(old)
            if not path.is_file():
                if old is not None:
                    self._remove(old)
                continue
            if old is None:
                if not self._inside_scanned_tree(path):
                    continue
                node = self._add_node(path, self._scan(path))
                for waiting in self._unresolved.pop(node.module, set()):
                    if waiting in self.nodes:
                        self._unlink(self.nodes[waiting])
                        self._link(self.nodes[waiting])
            else:
                node = old
                node.scan = self._scan(path)
            self._link(node)
        self.cache.save()

    def _remove(self, node: GraphNode) -> None:
        del self.nodes[node.path]
        self._test_files = None
        self._by_name.get(node.module, set()).discard(node.path)
        # Its importers keep their edge until rescanned, as unresolved names.
        for importer in self._importers.pop(node.path, set()):
            self._unresolved.setdefault(node.module, set()).add(importer)

    def _inside_scanned_tree(self, path: Path) -> bool:
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            return False
        folder = self.root
        for part in relative.parts[:-1]:
            folder = folder / part
            if is_skipped_dir(folder):
                return False
        return True

    def use_runtime_edges(self, edges: dict[Path, set[Path]], known: Iterable[Path]) -> None:
        """What runs saw imports by computed name load (see ``computed_imports``)."""
        importers: dict[Path, set[Path]] = {}
        for source, targets in edges.items():
            for target in targets:
                importers.setdefault(target, set()).add(source)
        self._runtime_importers = importers
        self._known_loaders = frozenset(known)

    # -- queries -------------------------------------------------------------------------
    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def reaching(self, changed: Path) -> dict[Path, Reached]:
        """Every file that imports ``changed`` directly or transitively (not itself)."""
        reached: dict[Path, Reached] = {}
        queue = deque([changed])
        while queue:
            current = queue.popleft()
            static = self._importers.get(current, set())
            runtime = self._runtime_importers.get(current)
            for importer in static | runtime if runtime else static:
                if importer not in reached and importer != changed:
                    reached[importer] = Reached(importer, None if current == changed else current)
                    queue.append(importer)
        return reached

    def is_conftest(self, path: Path) -> bool:
        return path.name == "conftest.py"

    def is_test_file(self, path: Path) -> bool:
        """Whether a plain run of pytest collects this file as a test module."""
        if not any(fnmatchcase(path.name, pattern) for pattern in self.layout.python_files):
            return False
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            return False
        folders = relative.parts[:-1]
        if any(
            fnmatchcase(part, pattern) for part in folders for pattern in self.layout.norecursedirs
        ):
            return False
        if self.layout.testpaths:
            posix = relative.as_posix()
            return any(
                posix == testpath.rstrip("/") or posix.startswith(testpath.rstrip("/") + "/")
                for testpath in self.layout.testpaths
            )
        return True

    def test_files(self) -> list[Path]:
        if self._test_files is None:
            self._test_files = sorted(path for path in self.nodes if self.is_test_file(path))
        return self._test_files

    def tests_under(self, folder: Path) -> list[Path]:
        return [path for path in self.test_files() if folder in path.parents]

    def dynamic_loaders(self) -> dict[Path, tuple[str, ...]]:
        """Files that load code by a computed name or a file path, with why; not those
        whose every load by computed name a complete run has recorded (their edges are
        in the graph), unless they also load code by path."""
        return {
            path: node.scan.dynamic
            for path, node in self.nodes.items()
            if node.scan.dynamic
            and not (path in self._known_loaders and _only_computed_names(node.scan.dynamic))
        }

    def modules_named(self, name: str) -> set[Path]:
        return set(self._by_name.get(name, ()))


def _only_computed_names(dynamic: tuple[str, ...]) -> bool:
    """Whether every reason is an import by computed name (a run can record those), not
    code loaded by path or a computed ``pytest_plugins``."""
    return all(reason.endswith("() of a computed name") for reason in dynamic)
