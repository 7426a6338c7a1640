"""Regressions: tests that passed, then fail after files changed, are one root cause. Pure.

A helper that returns a wrong value fails every test that uses it, each through its own
assertion, so signatures see as many root causes as tests. What they share is their
history: each passed in the previous run that covered it, and files changed in between
(the runs' snapshots say which, and the kept contents which functions). Failures whose
signature cluster holds them alone are regrouped by those changed files, as "broke after
changing FILE"; a signature cluster of several tests stays as it is, and every failure
belongs to exactly one root cause. The session log stores the result at the end of a run
(``results.root_key`` and ``regressions``); the app computes the same live.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

PASSING = frozenset({"passed", "xfailed", "skipped"})
"""Outcomes in the earlier run that make a failure now a regression ("it used to work")."""
MIN_TESTS = 2
"""A regression root cause groups at least this many tests; a lone one keeps its signature."""
SHOWN_FILES = 3
SHOWN_FUNCTIONS = 3
REGRESSION = "Regression"
"""The exception name regression clusters carry (no exception was raised as such)."""


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """A project file whose content differs between an earlier run and this one."""

    path: str
    functions: tuple[str, ...] = ()
    """Top-level functions and methods (``Class.method``) whose source changed, were added
    or removed; ``imports`` / ``module level`` for the statements outside them."""
    line: int | None = None
    """The first changed function's line in the new content: where to look first."""
    kept: bool = True
    """Both contents were kept, so the functions are known (False: too large, or removed)."""

    def label(self) -> str:
        if not self.functions:
            return self.path
        shown = ", ".join(self.functions[:SHOWN_FUNCTIONS])
        more = len(self.functions) - SHOWN_FUNCTIONS
        return f"{self.path} ({shown}{f' +{more}' if more > 0 else ''})"

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "functions": list(self.functions),
            "line": self.line,
            "kept": self.kept,
        }


@dataclass(frozen=True, slots=True)
class Change:
    """What changed between one earlier run and this one."""

    since_run: int
    files: tuple[ChangedFile, ...]


@dataclass(frozen=True, slots=True)
class RegressionGroup:
    """One regression root cause: its key (what ``results.root_key`` holds) and evidence."""

    key: str
    files: tuple[ChangedFile, ...]
    since_runs: tuple[int, ...]

    @property
    def location(self) -> str | None:
        first = self.files[0] if self.files else None
        if first is None:
            return None
        return f"{first.path}:{first.line}" if first.line else first.path

    def hint(self, tests: int) -> str:
        runs = ", ".join(str(run) for run in self.since_runs)
        files = "; ".join(changed.label() for changed in self.files)
        return (
            f"These {tests} tests passed in run {runs} and fail now, each through its own "
            f"assertion; between those runs these files changed: {files}. Start with what "
            "changed there (a wrong value, or an exception a library caught)."
        )

    def as_json(self) -> dict[str, object]:
        return {
            "since_runs": list(self.since_runs),
            "files": [changed.as_json() for changed in self.files],
        }


def regression_key(files: Sequence[ChangedFile]) -> str:
    """``broke after changing app/text.py (slugify)``: the root key of a regression."""
    shown = ", ".join(changed.label() for changed in files[:SHOWN_FILES])
    more = len(files) - SHOWN_FILES
    return f"broke after changing {shown}" + (f" and {more} more files" if more > 0 else "")


def _is_test_module(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.startswith("test_") or name.endswith("_test.py")


def _relevant(change: Change, module: str) -> tuple[ChangedFile, ...]:
    """The changed files that can explain a failure in ``module``: not another test module
    (a new test elsewhere does not break this one)."""
    return tuple(
        changed
        for changed in change.files
        if not _is_test_module(changed.path) or changed.path == module
    )


def find_regressions(
    members: Mapping[str, Sequence[str]],
    history: Mapping[str, tuple[int, str]],
    changes: Mapping[int, Change],
    modules: Mapping[str, str],
) -> dict[str, RegressionGroup]:
    """Failing node id -> its regression root cause, for the failures that have one.

    ``members`` are the signature clusters (key -> failing node ids), ``history`` each
    failing test's result in the previous run that covered it (run id, outcome),
    ``changes`` what changed since each of those runs, ``modules`` each test's file.
    """
    candidates: dict[tuple[ChangedFile, ...], list[tuple[str, int]]] = {}
    for nodeids in members.values():
        if len(nodeids) != 1:
            continue  # a signature cluster of several tests says more than its history
        nodeid = nodeids[0]
        earlier = history.get(nodeid)
        if earlier is None or earlier[1] not in PASSING:
            continue
        change = changes.get(earlier[0])
        files = _relevant(change, modules.get(nodeid, "")) if change is not None else ()
        if files:
            candidates.setdefault(files, []).append((nodeid, earlier[0]))
    found: dict[str, RegressionGroup] = {}
    for files, tests in candidates.items():
        if len(tests) < MIN_TESTS:
            continue
        group = RegressionGroup(
            key=regression_key(files),
            files=files,
            since_runs=tuple(sorted({run for _, run in tests})),
        )
        found.update((nodeid, group) for nodeid, _ in tests)
    return found


# -- which functions changed ---------------------------------------------------------------
def _definitions(source: str) -> dict[str, tuple[str, int]] | None:
    """Qualified name -> (source text, line) of the top-level functions and methods, plus
    the imports and the other module-level statements as two pseudo-names."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    found: dict[str, tuple[str, int]] = {}
    imports: list[str] = []
    other: list[str] = []
    for node in tree.body:
        text = ast.dump(node, include_attributes=False)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = (text, node.lineno)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    dumped = ast.dump(item, include_attributes=False)
                    found[f"{node.name}.{item.name}"] = (dumped, item.lineno)
            rest = [
                n for n in node.body if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            header = [*node.bases, *node.keywords, *node.decorator_list]
            found[f"{node.name} (class body)"] = (
                "".join(ast.dump(n, include_attributes=False) for n in [*header, *rest]),
                node.lineno,
            )
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(text)
        else:
            other.append(text)
    found["imports"] = ("\n".join(sorted(imports)), 1)
    found["module level"] = ("\n".join(other), 1)
    return found


def changed_functions(before: str | None, after: str | None) -> ChangedFile | None:
    """Which definitions differ between two contents of one file (its path is set by the
    caller); None when either content is unknown. Comparing syntax trees ignores edits
    of comments and layout."""
    if before is None or after is None:
        return None
    old, new = _definitions(before), _definitions(after)
    if new is None:
        return ChangedFile("", ("does not parse",), None)
    if old is None:
        return ChangedFile("", (), None)
    names = [name for name in new if old.get(name, ("",))[0] != new[name][0]]
    names += [name for name in old if name not in new]
    names = [name for name in names if not (name.endswith("(class body)") and name not in new)]

    def order(name: str) -> tuple[bool, int, str]:
        line = new[name][1] if name in new else old[name][1]
        return (name in ("imports", "module level"), line, name)

    ordered = sorted(names, key=order)
    lines = [new[name][1] for name in ordered if name in new]
    return ChangedFile("", tuple(ordered), lines[0] if lines else None)
