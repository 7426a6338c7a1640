"""What changed between two runs: fixed, broken, new, removed, failing differently. Pure.

Only tests that ran in both runs can count as fixed or broken, so comparing a subset run
with a whole-suite run never reads the tests the subset skipped as removed or fixed:
"removed" needs the later run to be the whole suite, "new" needs the earlier one to be.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from cockpit.engine.outcomes import FAILING

if TYPE_CHECKING:  # creating a Protocol class costs ``cockpit diff`` start-up time
    from typing import Protocol

    from cockpit.store.quick_read import ChangeRow

    class Outcome(Protocol):
        @property
        def outcome(self) -> str: ...
        @property
        def signature(self) -> str | None: ...


class RunDiff:
    """The diff of two runs; a plain class, to keep ``dataclasses`` off ``cockpit diff``."""

    __slots__ = (
        "broken",
        "changed_error",
        "fixed",
        "new",
        "not_compared",
        "removed",
        "still_failing",
    )

    def __init__(self) -> None:
        self.fixed: list[str] = []
        self.broken: list[str] = []
        self.new: list[str] = []
        self.removed: list[str] = []
        self.changed_error: list[str] = []
        self.still_failing: list[str] = []
        self.not_compared = 0
        """Tests in only one run where the other run's scope cannot tell new from skipped."""

    def as_json(self) -> dict[str, list[str]]:
        return {
            "fixed": self.fixed,
            "broken": self.broken,
            "new": self.new,
            "removed": self.removed,
            "changed_error": self.changed_error,
        }

    def by_module(self) -> dict[str, dict[str, list[str]]]:
        """kind -> module -> node ids, for the per-module listing."""
        grouped: dict[str, dict[str, list[str]]] = {}
        for kind, nodeids in self.as_json().items():
            for nodeid in nodeids:
                module = nodeid.split("::", 1)[0]
                grouped.setdefault(kind, {}).setdefault(module, []).append(nodeid)
        return grouped


def diff_runs(
    before: Mapping[str, Outcome],
    after: Mapping[str, Outcome],
    *,
    before_whole_suite: bool,
    after_whole_suite: bool,
) -> RunDiff:
    """The diff of two runs given every outcome of each."""
    rows: list[ChangeRow] = []
    for side, mine, other in ((0, before, after), (1, after, before)):
        for nodeid, result in mine.items():
            alone = nodeid not in other
            if alone or result.outcome in FAILING:
                rows.append((nodeid, side, result.outcome, result.signature, alone))
    return diff_changes(
        rows, before_whole_suite=before_whole_suite, after_whole_suite=after_whole_suite
    )


def diff_changes(
    rows: Iterable[ChangeRow], *, before_whole_suite: bool, after_whole_suite: bool
) -> RunDiff:
    """The diff of two runs from only what can differ between them.

    ``rows`` hold each test that failed in a run and each test that ran in one run only,
    once per run it is in. A test missing from one run's rows ran there without failing:
    which of passed, skipped or xfailed it was never changes the diff, so the session log
    need not read it (see ``quick_read``). Every list comes out sorted by node id.
    """
    diff = RunDiff()
    failing: tuple[dict[str, str], dict[str, str]] = ({}, {})
    for nodeid, side, outcome, signature, alone in rows:
        if alone:
            whole_suite = before_whole_suite if side else after_whole_suite
            if not whole_suite:
                diff.not_compared += 1
            elif side:
                diff.new.append(nodeid)
            else:
                diff.removed.append(nodeid)
        elif outcome in FAILING:
            failing[side][nodeid] = signature or ""
    old, new = failing
    for nodeid, signature in old.items():
        now = new.get(nodeid)
        if now is None:
            diff.fixed.append(nodeid)
        elif now != signature:
            diff.changed_error.append(nodeid)
        else:
            diff.still_failing.append(nodeid)
    diff.broken.extend(nodeid for nodeid in new if nodeid not in old)
    for tests in (diff.fixed, diff.broken, diff.new, diff.removed, diff.changed_error):
        tests.sort()
    diff.still_failing.sort()
    return diff
