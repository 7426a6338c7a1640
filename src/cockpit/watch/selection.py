"""Which tests a change can affect, and why: pure rules over the import graph.

Rules: a changed test module selects itself; a changed ``conftest.py`` the tests under its
folder; a changed source module every test module that imports it directly or
transitively, and the whole folder of any ``conftest.py`` that does; pytest configuration
(``pyproject.toml``, ``setup.cfg``, ``tox.ini``, ``pytest.ini``) everything; a file matched
by ``[tool.cockpit.watch.map]`` the tests mapped to it; another extra file everything.
Where the graph cannot tell, the selection widens and says why: a file that loads modules
by a computed name may load the changed one, so the tests that import *it* are selected
too; a ``-p`` plugin from ``addopts`` affects everything; a Python file nothing imports may
be run by path, so it selects everything. Tests that failed last time run again, first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.watch.config import CONFIG_FILES, WatchConfig
from cockpit.watch.graph import ImportGraph

FAILED_FIRST_ARG = "--ff"
"""pytest's own "failed first" ordering, read from the cache cockpit's runs keep."""


@dataclass(frozen=True, slots=True)
class SelectedTest:
    """One test the call map found affected, and why."""

    nodeid: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Target:
    """A test file to run and every reason it was selected.

    Narrowed by the call map (:mod:`cockpit.watch.precise`): ``tests`` are its tests found
    affected; when ``whole`` the file runs (every test the map does not know with it) but
    for the ``deselected`` tests the map proves unaffected; otherwise only ``tests`` run
    (the map knows every test of the file)."""

    path: str
    reasons: tuple[str, ...]
    failed_last: bool = False
    tests: tuple[SelectedTest, ...] = ()
    deselected: tuple[str, ...] = ()
    whole: bool = True

    @property
    def args(self) -> tuple[str, ...]:
        """What pytest is given for it: the file, or its affected tests' node ids."""
        return (self.path,) if self.whole else tuple(test.nodeid for test in self.tests)

    def merge(self, other: Target) -> Target:
        """This file's tests of both selections: a test skipped by one runs if the other
        selects it."""
        tests = {test.nodeid: test for test in self.tests}
        for test in other.tests:
            known = tests.get(test.nodeid)
            reasons = (*known.reasons, *test.reasons) if known is not None else test.reasons
            tests[test.nodeid] = SelectedTest(test.nodeid, tuple(dict.fromkeys(reasons)))
        whole = self.whole or other.whole
        skipped = [set(t.deselected) for t in (self, other) if t.whole]
        deselected = set.intersection(*skipped) - tests.keys() if whole else set()
        return Target(
            self.path,
            tuple(dict.fromkeys((*self.reasons, *other.reasons))),
            self.failed_last or other.failed_last,
            tuple(tests.values()),
            tuple(sorted(deselected)),
            whole,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "reasons": list(self.reasons),
            "failed_last": self.failed_last,
            "whole": self.whole,
            "tests": [{"nodeid": t.nodeid, "reasons": list(t.reasons)} for t in self.tests],
            "deselected": len(self.deselected),
        }


@dataclass(frozen=True, slots=True)
class Selection:
    """The tests to run for a set of changes; ``everything`` when it had to widen."""

    targets: tuple[Target, ...] = ()
    everything: bool = False
    why_everything: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """Changes that select nothing, and why (ignored, deleted, no tests)."""
    changed: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.targets

    @property
    def pytest_args(self) -> tuple[str, ...]:
        """Arguments for pytest: the test files, failures first (empty: run nothing)."""
        if self.everything:
            return (FAILED_FIRST_ARG,)
        if not self.targets:
            return ()
        return (FAILED_FIRST_ARG, *self.target_args)

    @property
    def target_args(self) -> tuple[str, ...]:
        """The targets' files and node ids, then ``--deselect`` for the tests proven
        unaffected in files that run whole."""
        deselect = [
            arg
            for target in self.targets
            if target.whole
            for nodeid in target.deselected
            for arg in ("--deselect", nodeid)
        ]
        return (*(arg for target in self.targets for arg in target.args), *deselect)

    @property
    def test_count(self) -> int | None:
        """How many tests run, when the call map knows every one (None otherwise)."""
        if self.everything or any(target.whole for target in self.targets):
            return None
        return sum(len(target.tests) for target in self.targets)

    @property
    def reasons(self) -> tuple[str, ...]:
        """One line per target (or per reason to run everything)."""
        if self.everything:
            return tuple(f"everything: {why}" for why in self.why_everything)
        return tuple(f"{target.path}: {'; '.join(target.reasons)}" for target in self.targets)

    @property
    def summary(self) -> str:
        """One line, for the session log's selection reason and the status line."""
        if self.everything:
            more = (
                f" (+{len(self.why_everything) - 1} more)" if len(self.why_everything) > 1 else ""
            )
            return f"everything: {self.why_everything[0]}{more}"
        if not self.targets:
            return "no tests affected" + (f": {self.notes[0]}" if self.notes else "")
        changed = ", ".join(self.changed[:3]) + (" ..." if len(self.changed) > 3 else "")
        failed = sum(target.failed_last for target in self.targets)
        tail = f", {failed} with last failures" if failed else ""
        count = self.test_count
        tests = f"{count} test{'s' if count != 1 else ''} in " if count is not None else ""
        files = f"{len(self.targets)} test file{'s' if len(self.targets) != 1 else ''}"
        return f"{tests}{files} affected by {changed or 'last failures'}{tail}"

    def union(self, other: Selection) -> Selection:
        """Both selections' tests: a run cancelled by a change reruns what it was running."""
        merged: dict[str, Target] = {target.path: target for target in self.targets}
        for target in other.targets:
            known = merged.get(target.path)
            if known is None:
                merged[target.path] = target
            else:
                merged[target.path] = known.merge(target)
        return Selection(
            targets=_ordered(merged.values()),
            everything=self.everything or other.everything,
            why_everything=tuple(dict.fromkeys((*self.why_everything, *other.why_everything))),
            notes=tuple(dict.fromkeys((*self.notes, *other.notes))),
            changed=tuple(dict.fromkeys((*self.changed, *other.changed))),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "everything": self.everything,
            "why_everything": list(self.why_everything),
            "targets": [target.to_json() for target in self.targets],
            "notes": list(self.notes),
            "changed": list(self.changed),
            "pytest_args": list(self.pytest_args),
            "summary": self.summary,
        }


def _ordered(targets: Iterable[Target]) -> tuple[Target, ...]:
    return tuple(sorted(targets, key=lambda target: (not target.failed_last, target.path)))


class _Collector:
    """Accumulates targets and widening reasons while the rules run."""

    def __init__(self, graph: ImportGraph) -> None:
        self.graph = graph
        self.targets: dict[str, list[str]] = {}
        self.everything: list[str] = []
        self.notes: list[str] = []

    def add(self, path: Path | str, reason: str) -> None:
        key = path if isinstance(path, str) else self.graph.relative(path)
        reasons = self.targets.setdefault(key, [])
        if reason not in reasons:
            reasons.append(reason)

    def add_importers_of(self, changed: Path, what: str) -> bool:
        """Select the tests reaching ``changed`` (test modules, folders of conftests); any?"""
        graph = self.graph
        hit = False
        for path, reached in sorted(graph.reaching(changed).items()):
            how = what if reached.via is None else f"{what} through {graph.relative(reached.via)}"
            if graph.is_conftest(path):
                hit = True
                for test in graph.tests_under(path.parent):
                    self.add(test, f"{graph.relative(path)} {how}")
            elif graph.is_test_file(path) and path.exists():
                hit = True
                self.add(path, how)
        return hit


def select(
    changed: Iterable[Path],
    graph: ImportGraph,
    config: WatchConfig,
    last_failed: Mapping[str, int] | None = None,
) -> Selection:
    """The selection for ``changed`` (absolute paths under the root, graph already updated
    for existing files; deleted files are still in it). ``last_failed``: test file -> how
    many of its tests failed last time (files that still exist)."""
    collector = _Collector(graph)
    changed_names: list[str] = []
    for path in sorted(set(changed)):
        try:
            relative = graph.relative(path)
        except ValueError:
            collector.everything.append(f"{path} is outside the project")
            continue
        changed_names.append(relative)
        _apply_rules(path, relative, graph, config, collector)
    for test_file, count in sorted((last_failed or {}).items()):
        plural = "s" if count != 1 else ""
        collector.add(test_file, f"{count} test{plural} failed last time (run first)")
    failed = set((last_failed or {}).keys())
    targets = _ordered(
        Target(path, tuple(reasons), path in failed) for path, reasons in collector.targets.items()
    )
    return Selection(
        targets=targets,
        everything=bool(collector.everything),
        why_everything=tuple(dict.fromkeys(collector.everything)),
        notes=tuple(collector.notes),
        changed=tuple(changed_names),
    )


def _apply_rules(
    path: Path, relative: str, graph: ImportGraph, config: WatchConfig, collector: _Collector
) -> None:
    if config.is_ignored(relative):
        collector.notes.append(f"{relative} is ignored by [tool.cockpit.watch] ignore")
        return
    if path.name in CONFIG_FILES:
        collector.everything.append(f"{relative} changed (pytest / project configuration)")
        return
    mapped = config.mapped_tests(relative)
    if mapped is not None:
        for test in mapped:
            collector.add(test, f"{relative} is mapped to it in [tool.cockpit.watch.map]")
        if not mapped:
            collector.notes.append(f"{relative} is mapped to no tests")
        if path.suffix != ".py":
            return
    if path.suffix != ".py":
        rule = "an extra file with no [tool.cockpit.watch.map] entry"
        if not config.is_extra(relative):
            rule = "not Python and no [tool.cockpit.watch] rule covers it"
        collector.everything.append(f"{relative} changed: {rule}")
        return
    node = graph.nodes.get(path)
    if node is None:
        collector.everything.append(f"{relative} is outside the import graph")
        return
    exists = path.exists()
    broken = (
        f" (it has a {node.scan.syntax_error}: its importers fail)"
        if (node.scan.syntax_error and exists)
        else ""
    )
    module = node.module or relative
    if graph.is_conftest(path):
        under = graph.tests_under(path.parent)
        for test_path in under:
            collector.add(test_path, f"{relative} changed{broken}")
        if not under:
            collector.notes.append(f"{relative} has no tests under it")
    elif graph.is_test_file(path):
        if exists:
            collector.add(path, f"changed{broken}")
        else:
            collector.notes.append(f"{relative} was deleted")
    if module in graph.layout.plugins:
        collector.everything.append(f"{relative} is the plugin -p {module} in pytest's addopts")
        return
    reaching = graph.reaching(path)
    for plugin in graph.layout.plugins:
        if graph.modules_named(plugin) & reaching.keys():
            collector.everything.append(f"the -p {plugin} plugin imports {module}")
    found = collector.add_importers_of(path, f"imports {module}{broken}")
    if graph.is_conftest(path) or graph.is_test_file(path):
        return  # pytest loads these itself; no code loads them by a computed name
    found = _widen_for_dynamic_loaders(path, graph, collector) or found
    if not found:
        collector.everything.append(
            f"nothing imports {relative} statically: it may be loaded by path or run as a script"
        )


def _widen_for_dynamic_loaders(path: Path, graph: ImportGraph, collector: _Collector) -> bool:
    """Files that load modules by computed names may load ``path``: select their tests."""
    found = False
    relative = graph.relative(path)
    for loader, why in sorted(graph.dynamic_loaders().items()):
        if loader == path:
            continue
        reason = f"may load {relative}: {graph.relative(loader)} {why[0]}"
        if graph.is_conftest(loader):
            tests = graph.tests_under(loader.parent)
            for test in tests:
                collector.add(test, reason)
            found = found or bool(tests)
            continue
        if graph.is_test_file(loader) and loader.exists():
            collector.add(loader, reason)
            found = True
        via = f"imports {graph.relative(loader)}, which {reason}"
        found = collector.add_importers_of(loader, via) or found
    return found
