"""What changed between two runs: fixed, broken, new, removed, failing differently. Pure.

Only tests that ran in both runs can count as fixed or broken, so comparing a subset run
with a whole-suite run never reads the tests the subset skipped as removed or fixed:
"removed" needs the later run to be the whole suite, "new" needs the earlier one to be.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

FAILING = frozenset({"failed", "error", "crashed"})


class Outcome(Protocol):
    @property
    def module(self) -> str: ...
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
    diff = RunDiff()
    for nodeid in sorted(before.keys() | after.keys()):
        old, new = before.get(nodeid), after.get(nodeid)
        if old is None:
            if before_whole_suite:
                diff.new.append(nodeid)
            else:
                diff.not_compared += 1
            continue
        if new is None:
            if after_whole_suite:
                diff.removed.append(nodeid)
            else:
                diff.not_compared += 1
            continue
        old_failing, new_failing = old.outcome in FAILING, new.outcome in FAILING
        if old_failing and not new_failing:
            diff.fixed.append(nodeid)
        elif new_failing and not old_failing:
            diff.broken.append(nodeid)
        elif old_failing and new_failing:
            if (old.signature or "") != (new.signature or ""):
                diff.changed_error.append(nodeid)
            else:
                diff.still_failing.append(nodeid)
    return diff
