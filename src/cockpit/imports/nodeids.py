"""pytest node ids back from JUnit's ``classname`` and ``name``. Pure (given the files).

pytest's ``--junitxml`` writes ``tests/pkg/test_a.py::TestX::test_y[a.b]`` as
``classname="tests.pkg.test_a.TestX" name="test_y[a.b]"``: the file's path with dots for
slashes and no ``.py``, the classes after it, the name (parameters untouched) last; a module
that failed to collect is ``classname="" name="tests.pkg.test_a"``. The dots are ambiguous
(``tests.v1.2.test_b`` may be ``tests/v1.2/test_b.py``), so the file is found among the
project's own Python files, the longest dotted prefix first; ``junit_family=xunit1`` also
writes the ``file``, used when it agrees. Without the project's files (an import run
elsewhere) the module ends before the first CapWords part, the Python convention for
classes; such guesses are counted, so the command can say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def dotted(path: str) -> str:
    """A rootdir-relative file path as JUnit's classname spells it."""
    return (path[:-3] if path.endswith(".py") else path).replace("/", ".")


class NodeIdResolver:
    """Turns JUnit test names into node ids, against the project's Python files."""

    def __init__(self, python_files: Iterable[str]) -> None:
        self._modules: dict[str, str] = {}
        for path in sorted(python_files):
            self._modules.setdefault(dotted(path), path)
        self._split: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.guessed: set[str] = set()
        """Classnames whose file is not in the project: their node ids are guesses."""

    @classmethod
    def of_project(cls, root: Path) -> NodeIdResolver:
        from cockpit.store.sources import source_files

        return cls(path for path, _, _ in source_files(root) if path.endswith(".py"))

    def _file_and_classes(self, classname: str) -> tuple[str, tuple[str, ...]]:
        cached = self._split.get(classname)
        if cached is not None:
            return cached
        parts = classname.split(".")
        found: tuple[str, tuple[str, ...]] | None = None
        for start in range(len(parts)):  # a junit_prefix before the path is skipped
            for end in range(len(parts), start, -1):
                path = self._modules.get(".".join(parts[start:end]))
                if path is not None:
                    found = (path, tuple(parts[end:]))
                    break
            if found is not None:
                break
        if found is None:
            self.guessed.add(classname)
            end = next((i for i in range(1, len(parts)) if parts[i][:1].isupper()), len(parts))
            found = ("/".join(parts[:end]) + ".py", tuple(parts[end:]))
        self._split[classname] = found
        return found

    def nodeid(self, classname: str, name: str, file: str | None = None) -> str:
        """The node id of one ``<testcase>`` (``classname`` not empty)."""
        if file and file.endswith(".py"):
            prefix = dotted(file)
            if classname == prefix or classname.startswith(prefix + "."):
                inner = classname[len(prefix) + 1 :].split(".") if classname != prefix else []
                return "::".join([file, *inner, name])
        path, classes = self._file_and_classes(classname)
        return "::".join([path, *classes, name])

    def collector_path(self, name: str) -> str:
        """The path of a module (or package) a ``classname=""`` testcase names."""
        path = self._modules.get(name)
        if path is not None:
            return path
        package = self._modules.get(name + ".__init__")
        if package is not None:  # a package's node id is its folder
            return package.rsplit("/", 1)[0]
        self.guessed.add(name)
        return name.replace(".", "/") + ".py"
