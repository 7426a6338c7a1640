"""Narrowing the import graph's selection with the call map: pure rules.

The import graph says which test files a change can reach (:mod:`cockpit.watch.
selection`); the call map says, for each test a traced run ran, which functions it
entered and which content of each file it saw. A test stays selected unless the map
proves the change since its entry cannot reach it. For each file that differs between
the state its traced run saw and now:

- a change inside function bodies only (:mod:`cockpit.watch.function_diff`) reaches the
  test when it executed one of the changed functions ("executed `Formatter.write_usage`,
  changed");
- in the test's own module, a change to its own test function reaches it; a change to
  other tests' functions does not;
- a module-level change, a file whose old content the session log did not keep, a
  ``conftest.py``, a body in a file the tracer does not see whole (a test module's
  helpers, whose calls pytest's rewriting keeps from it), or a changed function that runs
  outside tests (at import or collection) reaches it as the import graph says;
- a test without an entry, or whose entry cannot be complete (it started a process),
  is selected as the import graph says.

Comparing with the state of the entry's own run, not only with the last save, is what
keeps an entry honest after edits it was not rerun traced for: a test whose path changed
since its entry is selected for every later change its file's graph reaches, until a
traced run records it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cockpit.store.call_map import Function, MapEntry, test_file_of
from cockpit.watch.function_diff import FileDiff, function_of
from cockpit.watch.selection import SelectedTest, Selection, Target

DiffOf = Callable[[str, str | None, str | None], FileDiff | None]
"""(file, old digest, new digest) -> how it changed; None: a content is unknown."""
Reaches = Callable[[str], frozenset[str] | None]
"""File -> the test files the import graph selects for a change to it (None: all)."""


@dataclass(frozen=True, slots=True)
class MapView:
    """What the session log knows, as the rules need it."""

    entries: Mapping[str, MapEntry]
    """The tests of the selected test files that a traced run recorded."""
    outside: frozenset[Function]
    traced: frozenset[str]
    """Files whose every function call traced runs see (others: module-level)."""
    run_files: Mapping[int, Mapping[str, str] | None]
    """Each entry's run -> the digests of the files it saw (None: no snapshot)."""
    now: Mapping[str, str]
    """File -> its digest now."""
    known_tests: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    """Test file -> (its digest, every test in it) where a traced run ran it whole."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a test is affected, and why (empty reasons: it is not)."""

    reasons: tuple[str, ...]

    @property
    def affected(self) -> bool:
        return bool(self.reasons)


class Judge:
    """Judges mapped tests, caching each file's diff and graph reach across them."""

    def __init__(self, view: MapView, diff_of: DiffOf, reaches: Reaches) -> None:
        self.view = view
        self.diff_of = diff_of
        self.reaches = reaches
        self._diffs: dict[tuple[str, str | None, str | None], FileDiff | None] = {}
        self._reach: dict[str, frozenset[str] | None] = {}
        self._changed: dict[int, dict[str, str | None]] = {}

    def _diff(self, path: str, old: str | None, new: str | None) -> FileDiff | None:
        key = (path, old, new)
        if key not in self._diffs:
            known = old is not None and new is not None and path.endswith(".py")
            self._diffs[key] = self.diff_of(path, old, new) if known else None
        return self._diffs[key]

    def _test_functions(self, test_file: str) -> set[str]:
        """The test functions of the mapped tests of a test file."""
        return {
            function_of_test(nodeid)
            for nodeid in self.view.entries
            if test_file_of(nodeid) == test_file
        }

    def _reaches(self, path: str, test_file: str) -> bool:
        if path not in self._reach:
            self._reach[path] = self.reaches(path)
        reached = self._reach[path]
        return reached is None or test_file in reached

    def _changed_since(self, entry: MapEntry) -> dict[str, str | None] | None:
        """File -> the digest the entry's run saw, for every file that differs now."""
        if entry.run_id not in self._changed:
            seen = self.view.run_files.get(entry.run_id)
            if seen is None:
                return None
            now = self.view.now
            self._changed[entry.run_id] = {
                path: seen.get(path)
                for path in seen.keys() | now.keys()
                if seen.get(path) != now.get(path)
            }
        changed = dict(self._changed[entry.run_id])
        for path, digest in entry.files.items():  # what the test's own process read
            if digest != self.view.now.get(path):
                changed[path] = digest
            else:
                changed.pop(path, None)
        return changed

    def judge(self, entry: MapEntry) -> Verdict:
        if not entry.complete:
            return Verdict(("it started a process while traced: its map may miss code",))
        changed = self._changed_since(entry)
        if changed is None:
            return Verdict(("the run that traced it kept no snapshot of the files",))
        test_file = test_file_of(entry.nodeid)
        reasons: list[str] = []
        for path in sorted(changed):
            why = self._why(entry, path, changed[path], test_file)
            if why:
                reasons.append(why)
        return Verdict(tuple(reasons))

    def _why(self, entry: MapEntry, path: str, old: str | None, test_file: str) -> str:
        """Why the change of ``path`` since the entry reaches the test ('' if it does not)."""
        new = self.view.now.get(path)
        diff = self._diff(path, old, new)
        executed = {function_of(q) for file, q in entry.functions if file == path}
        if diff is not None and not diff.module_level and not path.endswith("conftest.py"):
            changed = set(diff.changed)
            if path == test_file:
                own = function_of_test(entry.nodeid)
                if own in changed:
                    return f"its test function `{own}` changed"
                changed -= self._test_functions(test_file)
                if not changed:
                    return ""
            outside = {function_of(q) for file, q in self.view.outside if file == path}
            runs_outside = sorted(changed & outside)
            caching = sorted(changed & diff.caching)
            if caching:
                how = f"`{caching[0]}` caches its results: the map cannot tell who uses them"
            elif path not in self.view.traced:
                how = f"`{sorted(changed)[0]}` changed in a file whose calls are not traced"
            elif not runs_outside:
                hit = sorted(changed & executed)
                if not hit:
                    return ""
                names = ", ".join(f"`{name}`" for name in hit[:3])
                more = f" (+{len(hit) - 3} more)" if len(hit) > 3 else ""
                return f"executed {names}{more} in {path}, changed"
            else:
                how = f"`{runs_outside[0]}` runs at import or collection"
        elif diff is None:
            how = "deleted" if new is None else ("new" if old is None else "no kept content")
        else:
            how = diff.module_level or "a conftest"
        if executed or self._reaches(path, test_file):
            return f"{path} changed ({how}): selected as the import graph says"
        return ""


def function_of_test(nodeid: str) -> str:
    """The qualified name of a test's function: ``Class.test_x`` for ``f::Class::test_x[1]``."""
    parts = nodeid.split("::")[1:]
    if parts:
        parts[-1] = parts[-1].split("[", 1)[0]
    return ".".join(parts)


def narrow(selection: Selection, judge: Judge, failed_last: frozenset[str]) -> Selection:
    """``selection`` with each test file's tests the map proves unaffected left out.

    A file whose every test the map knows (at its current content) runs only its affected
    tests, or not at all; another runs whole but for the proven ones (``--deselect``), so a
    test the map has never seen still runs. Tests that failed last time always run."""
    if selection.everything:
        return selection
    by_file: dict[str, list[MapEntry]] = {}
    for entry in judge.view.entries.values():
        by_file.setdefault(test_file_of(entry.nodeid), []).append(entry)
    targets: list[Target] = []
    notes = list(selection.notes)
    for target in selection.targets:
        tests: list[SelectedTest] = []
        deselected: list[str] = []
        for entry in sorted(by_file.get(target.path, ()), key=lambda e: e.nodeid):
            verdict = judge.judge(entry)
            if entry.nodeid in failed_last:
                reasons = (*verdict.reasons, "failed last time (run first)")
                tests.append(SelectedTest(entry.nodeid, reasons))
            elif verdict.affected:
                tests.append(SelectedTest(entry.nodeid, verdict.reasons))
            else:
                deselected.append(entry.nodeid)
        if not deselected:
            targets.append(Target(target.path, target.reasons, target.failed_last, tuple(tests)))
            continue
        known = judge.view.known_tests.get(target.path)
        mapped = {entry.nodeid for entry in by_file[target.path]}
        fully_known = (
            known is not None
            and known[0] == judge.view.now.get(target.path)
            and set(known[1]) <= mapped
        )
        if not fully_known:
            narrowed = Target(
                target.path, target.reasons, target.failed_last, tuple(tests), tuple(deselected)
            )
            targets.append(narrowed)
        elif tests:
            targets.append(
                Target(target.path, target.reasons, target.failed_last, tuple(tests), (), False)
            )
        else:
            notes.append(f"{target.path}: none of its {len(deselected)} tests ran what changed")
    return Selection(
        targets=tuple(targets),
        everything=False,
        why_everything=(),
        notes=tuple(notes),
        changed=selection.changed,
    )
