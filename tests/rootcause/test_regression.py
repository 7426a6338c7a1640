"""Regrouping failures that passed before and fail after a change, on recorded-run data."""

from __future__ import annotations

from cockpit.rootcause.clusters import Clusterer, with_regressions
from cockpit.rootcause.regression import (
    Change,
    ChangedFile,
    changed_functions,
    find_regressions,
    regression_key,
)

TEXT = ChangedFile("app/text.py", ("join_words",), 4)
NEW_TEST = ChangedFile("tests/test_new.py", (), 1)
CHANGE = Change(1, (TEXT, NEW_TEST))


def singles(*nodeids: str) -> dict[str, list[str]]:
    return {f"AssertionError @ {nodeid}:1": [nodeid] for nodeid in nodeids}


def modules_of(*nodeids: str) -> dict[str, str]:
    return {nodeid: nodeid.split("::")[0] for nodeid in nodeids}


def test_tests_that_passed_and_fail_after_a_change_are_one_root_cause() -> None:
    failing = ("tests/test_a.py::one", "tests/test_a.py::two", "tests/test_b.py::three")
    history = dict.fromkeys(failing, (1, "passed"))
    groups = find_regressions(singles(*failing), history, {1: CHANGE}, modules_of(*failing))
    assert set(groups) == set(failing)
    group = groups[failing[0]]
    assert len({id(g) for g in groups.values()}) == 1
    # A new test module elsewhere cannot break these: only the helper is the lead.
    assert group.key == "broke after changing app/text.py (join_words)"
    assert group.files == (TEXT,) and group.since_runs == (1,)
    assert group.location == "app/text.py:4"


def test_what_is_not_a_regression_keeps_its_signature() -> None:
    history = {
        "t.py::failed_before": (1, "failed"),
        "t.py::passed": (1, "passed"),
        "t.py::passed_too": (1, "passed"),
        "t.py::unchanged": (2, "passed"),
    }
    members = {
        **singles("t.py::failed_before", "t.py::new_test", "t.py::unchanged"),
        "ValueError: x @ app/a.py:3": ["t.py::passed", "t.py::passed_too"],  # several: stays
    }
    changes = {1: CHANGE, 2: Change(2, ())}
    assert find_regressions(members, history, changes, modules_of(*history)) == {}


def test_a_lone_regression_keeps_its_signature() -> None:
    history = {"t.py::one": (1, "passed")}
    assert find_regressions(singles("t.py::one"), history, {1: CHANGE}, {}) == {}


def test_different_changes_make_different_root_causes() -> None:
    other = Change(2, (ChangedFile("app/db.py", ("connect",), 9),))
    history = {
        "t.py::a": (1, "passed"),
        "t.py::b": (1, "passed"),
        "t.py::c": (2, "passed"),
        "t.py::d": (2, "passed"),
    }
    groups = find_regressions(singles(*history), history, {1: CHANGE, 2: other}, {})
    assert {group.key for group in groups.values()} == {
        "broke after changing app/text.py (join_words)",
        "broke after changing app/db.py (connect)",
    }


def test_clusters_move_whole_and_each_failure_stays_in_one() -> None:
    clusterer = Clusterer("/p")
    for name in ("a", "b", "c"):
        clusterer.add(f"t.py::{name}", "t.py", "failed", "assert 1 == 2", f"t.py:{ord(name)}: E")
    for name in ("p1", "p2"):
        clusterer.add(f"t.py::{name}", "t.py", "failed", "ValueError: bad", "")
    history = {f"t.py::{name}": (1, "passed") for name in ("a", "b", "c", "p1", "p2")}
    members = {cluster.key: cluster.tests for cluster in clusterer.clusters()}
    groups = find_regressions(members, history, {1: CHANGE}, modules_of(*history))
    regrouped = with_regressions(clusterer.clusters(), groups)
    assert [(cluster.key, cluster.count) for cluster in regrouped] == [
        ("broke after changing app/text.py (join_words)", 3),
        ("ValueError: bad", 2),
    ]
    assert regrouped[0].hint is not None and regrouped[0].hint[0] == "regression"
    assert regrouped[0].location == "app/text.py:4"
    tests = [test for cluster in regrouped for test in cluster.tests]
    assert sorted(tests) == sorted(history)


def test_changed_functions_compare_syntax_not_layout() -> None:
    before = (
        "import os\n\n\ndef join(words):\n    return '-'.join(words)\n\n\n"
        "class Page:\n    def title(self):\n        return 'x'\n\n    def body(self):\n"
        "        return 'y'\n"
    )
    after = (
        "\n\ndef join(words):  # a comment is no change\n    return '-'.join(words)\n\n\n"
        "class Page:\n    def title(self):\n        return 'X'\n\n    def body(self):\n"
        "        return 'y'\n\n\ndef added():\n    pass\n"
    )
    changed = changed_functions(before, after)
    assert changed is not None
    assert changed.functions == ("Page.title", "added", "imports")
    assert changed.line == 8  # Page.title, in the new content
    assert changed_functions(before, "def broken(:\n") is not None
    assert changed_functions(before, "def broken(:\n").functions == ("does not parse",)  # type: ignore[union-attr]
    assert changed_functions(None, after) is None


def test_the_key_shows_a_few_files_and_functions() -> None:
    files = [ChangedFile(f"app/m{i}.py", ("f", "g", "h", "i")) for i in range(5)]
    assert regression_key(files) == (
        "broke after changing app/m0.py (f, g, h +1), app/m1.py (f, g, h +1), "
        "app/m2.py (f, g, h +1) and 2 more files"
    )


def test_an_unchanged_class_is_not_a_change() -> None:
    source = "class Base:\n    pass\n\n\nclass Child(Base, metaclass=type):\n    x = 1\n"
    changed = changed_functions(source, source.replace("x = 1", "x = 2"))
    assert changed is not None and changed.functions == ("Child (class body)",)
    assert changed_functions(source, source + "\n# a comment\n").functions == ()  # type: ignore[union-attr]
