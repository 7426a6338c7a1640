"""Run-to-run diffs: only tests run in both count as fixed or broken."""

from __future__ import annotations

from cockpit.diff import diff_runs
from cockpit.store.quick_read import Outcome


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
