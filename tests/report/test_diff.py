"""Run-to-run diffs: only tests run in both count as fixed or broken; new and removed exact."""

from __future__ import annotations

import random

import pytest

from cockpit.report.diff import FAILING, diff_changes, diff_runs
from cockpit.store.quick_read import Outcome

KINDS = ("fixed", "broken", "new", "removed", "changed_error")


def outcomes(**tests: str) -> dict[str, Outcome]:
    result = {}
    for name, outcome in tests.items():
        outcome, _, signature = outcome.partition(":")
        nodeid = f"{name[0]}.py::{name}"
        result[nodeid] = Outcome(nodeid.split("::")[0], outcome, signature or None)
    return result


def test_fixed_broken_changed_and_still_failing() -> None:
    before = outcomes(a1="failed:E1", a2="passed", a3="failed:E1", a4="error:E2")
    after = outcomes(a1="passed", a2="failed:E3", a3="failed:E9", a4="error:E2")
    diff = diff_runs(before, after, before_whole_suite=True, after_whole_suite=True)
    assert diff.fixed == ["a.py::a1"]
    assert diff.broken == ["a.py::a2"]
    assert diff.changed_error == ["a.py::a3"]
    assert diff.still_failing == ["a.py::a4"]


def test_a_subset_run_never_reads_as_removed_or_fixed() -> None:
    before = outcomes(a1="failed:E", b1="failed:E", b2="passed")
    after = outcomes(a1="passed")
    diff = diff_runs(before, after, before_whole_suite=True, after_whole_suite=False)
    assert diff.fixed == ["a.py::a1"]
    assert diff.removed == [] and diff.not_compared == 2


def test_new_and_removed_need_whole_suite_runs() -> None:
    before = outcomes(a1="passed", a2="passed")
    after = outcomes(a1="passed", a3="passed")
    diff = diff_runs(before, after, before_whole_suite=True, after_whole_suite=True)
    assert (diff.new, diff.removed) == (["a.py::a3"], ["a.py::a2"])
    narrow = diff_runs(before, after, before_whole_suite=False, after_whole_suite=False)
    assert (narrow.new, narrow.removed, narrow.not_compared) == ([], [], 2)


def test_json_and_per_module_grouping() -> None:
    before = outcomes(a1="failed:E", b1="failed:E")
    after = outcomes(a1="passed", b1="passed")
    diff = diff_runs(before, after, before_whole_suite=True, after_whole_suite=True)
    assert diff.as_json() == {
        "fixed": ["a.py::a1", "b.py::b1"],
        "broken": [],
        "new": [],
        "removed": [],
        "changed_error": [],
    }
    assert diff.by_module() == {"fixed": {"a.py": ["a.py::a1"], "b.py": ["b.py::b1"]}}


def change_rows(
    before: dict[str, Outcome], after: dict[str, Outcome]
) -> list[tuple[str, int, str, str | None, bool]]:
    """What the session log's diff queries return: failing results and one-run-only tests."""
    rows = []
    for side, mine, other in ((0, before, after), (1, after, before)):
        for nodeid, result in mine.items():
            if nodeid not in other or result.outcome in FAILING:
                rows.append((nodeid, side, result.outcome, result.signature, nodeid not in other))
    return rows


def test_a_test_in_one_run_only_is_new_or_removed_even_when_failing() -> None:
    before = outcomes(a1="failed:E", a2="passed")
    after = outcomes(a1="failed:E", a3="failed:E")
    diff = diff_changes(change_rows(before, after), before_whole_suite=True, after_whole_suite=True)
    assert diff.as_json() == {
        "fixed": [],
        "broken": [],
        "new": ["a.py::a3"],
        "removed": ["a.py::a2"],
        "changed_error": [],
    }
    assert diff.still_failing == ["a.py::a1"]


def test_a_failing_test_missing_from_the_other_runs_rows_passed_there() -> None:
    rows = [("a.py::a1", 0, "failed", "E", False), ("a.py::a2", 1, "error", "E", False)]
    diff = diff_changes(rows, before_whole_suite=False, after_whole_suite=False)
    assert (diff.fixed, diff.broken, diff.not_compared) == (["a.py::a1"], ["a.py::a2"], 0)


OUTCOME_CHOICES = ("passed", "skipped", "xfailed", "failed:E1", "failed:E2", "error:E1", "crashed")


def reference_kind(old: Outcome | None, new: Outcome | None) -> str | None:
    """The diff's rules, test by test, written as plainly as possible."""
    if old is None:
        return "new"
    if new is None:
        return "removed"
    old_fails, new_fails = old.outcome in FAILING, new.outcome in FAILING
    if old_fails and new_fails:
        return "changed_error" if old.signature != new.signature else None
    return "fixed" if old_fails else "broken" if new_fails else None


@pytest.mark.parametrize("seed", range(20))
def test_diff_changes_agrees_with_the_rules_test_by_test(seed: int) -> None:
    rng = random.Random(seed)
    names = [f"{module}{number}" for module in "abc" for number in range(15)]
    before = outcomes(**{n: rng.choice(OUTCOME_CHOICES) for n in rng.sample(names, 35)})
    after = outcomes(**{n: rng.choice(OUTCOME_CHOICES) for n in rng.sample(names, 35)})
    expected: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for nodeid in sorted(before.keys() | after.keys()):
        kind = reference_kind(before.get(nodeid), after.get(nodeid))
        if kind is not None:
            expected[kind].append(nodeid)
    rows = change_rows(before, after)
    rng.shuffle(rows)
    diff = diff_changes(rows, before_whole_suite=True, after_whole_suite=True)
    assert diff.as_json() == expected
    assert diff_runs(before, after, before_whole_suite=True, after_whole_suite=True).as_json() == (
        expected
    )
