"""Narrowing a selection with the call map: the pure rules, on a made-up project."""

from __future__ import annotations

from cockpit.store.call_map import MapEntry
from cockpit.watch.function_diff import FileDiff
from cockpit.watch.precise import Judge, MapView, function_of_test, narrow
from cockpit.watch.selection import SelectedTest, Selection, Target

RUN = 1
THEN = {"pkg/fmt.py": "f0", "pkg/util.py": "u0", "tests/test_fmt.py": "t0"}
DIFFS = {
    ("pkg/fmt.py", "f0", "f1"): FileDiff(frozenset({"Formatter.write_usage"})),
    ("pkg/fmt.py", "f0", "f2"): FileDiff(frozenset(), "module-level code changed"),
    ("pkg/util.py", "u0", "u1"): FileDiff(frozenset({"helper"})),
}


def entry(nodeid: str, *functions: tuple[str, str], complete: bool = True) -> MapEntry:
    files = {path: THEN[path] for path, _ in functions}
    return MapEntry(nodeid, RUN, complete, files, frozenset(functions))


USAGE = entry(
    "tests/test_fmt.py::test_usage",
    ("pkg/fmt.py", "Formatter.write_usage"),
    ("tests/test_fmt.py", "test_usage"),
)
HELP = entry(
    "tests/test_fmt.py::test_help",
    ("pkg/fmt.py", "Formatter.write_help.<locals>.<listcomp>"),
    ("tests/test_fmt.py", "test_help"),
)
ALL_TESTS = ("tests/test_fmt.py::test_usage", "tests/test_fmt.py::test_help")


def selection_for(
    now: dict[str, str],
    entries: list[MapEntry],
    known: bool = True,
    outside: frozenset[tuple[str, str]] = frozenset(),
    failed_last: frozenset[str] = frozenset(),
) -> Selection:
    coarse = Selection(targets=(Target("tests/test_fmt.py", ("imports pkg.fmt",)),))
    view = MapView(
        entries={e.nodeid: e for e in entries},
        outside=outside,
        traced=frozenset({"pkg/fmt.py", "pkg/util.py"}),
        run_files={RUN: THEN},
        now={**THEN, **now},
        known_tests={"tests/test_fmt.py": ("t0", ALL_TESTS)} if known else {},
    )
    judge = Judge(view, lambda path, old, new: DIFFS.get((path, old, new)), lambda _: None)
    return narrow(coarse, judge, failed_last)


def test_a_changed_body_selects_the_tests_that_executed_it_with_the_reason() -> None:
    (target,) = selection_for({"pkg/fmt.py": "f1"}, [USAGE, HELP]).targets
    assert not target.whole
    assert [(t.nodeid, t.reasons) for t in target.tests] == [
        (
            "tests/test_fmt.py::test_usage",
            ("executed `Formatter.write_usage` in pkg/fmt.py, changed",),
        )
    ]
    assert target.args == ("tests/test_fmt.py::test_usage",)


def test_a_file_the_map_does_not_know_whole_runs_whole_but_for_the_proven_tests() -> None:
    selection = selection_for({"pkg/fmt.py": "f1"}, [USAGE, HELP], known=False)
    (target,) = selection.targets
    assert target.whole and target.deselected == ("tests/test_fmt.py::test_help",)
    assert selection.target_args == (
        "tests/test_fmt.py",
        "--deselect",
        "tests/test_fmt.py::test_help",
    )


def test_an_unmapped_test_is_still_selected() -> None:
    # test_help never ran traced: the file runs whole, only the proven test left out.
    selection = selection_for({"pkg/util.py": "u1"}, [USAGE], known=True)
    (target,) = selection.targets
    assert target.whole and target.deselected == ("tests/test_fmt.py::test_usage",)


def test_nothing_runs_when_every_known_test_is_proven_unaffected() -> None:
    selection = selection_for({"pkg/util.py": "u1"}, [USAGE, HELP])
    assert selection.is_empty
    assert selection.notes == ("tests/test_fmt.py: none of its 2 tests ran what changed",)


def test_a_module_level_change_selects_as_the_import_graph_says() -> None:
    (target,) = selection_for({"pkg/fmt.py": "f2"}, [USAGE, HELP]).targets
    assert [t.nodeid for t in target.tests] == sorted(ALL_TESTS)
    assert target.tests[0].reasons == (
        "pkg/fmt.py changed (module-level code changed): selected as the import graph says",
    )


def test_a_changed_function_that_runs_at_import_counts_as_module_level() -> None:
    outside = frozenset({("pkg/util.py", "helper")})
    (target,) = selection_for({"pkg/util.py": "u1"}, [USAGE, HELP], outside=outside).targets
    assert len(target.tests) == 2
    assert "`helper` runs at import or collection" in target.tests[0].reasons[0]


def test_unknown_old_content_and_incomplete_entries_are_selected() -> None:
    (target,) = selection_for({"pkg/fmt.py": "f9"}, [USAGE, HELP]).targets
    assert len(target.tests) == 2 and "no kept content" in target.tests[0].reasons[0]
    spawning = entry("tests/test_fmt.py::test_help", complete=False)
    (target,) = selection_for({"pkg/util.py": "u1"}, [USAGE, spawning]).targets
    assert [t.nodeid for t in target.tests] == ["tests/test_fmt.py::test_help"]


def test_an_entry_older_than_an_earlier_edit_stays_selected_for_that_edit() -> None:
    # fmt.py was edited (f1) since the traced run; now util.py changes: test_usage's map
    # entry no longer describes the code, so it is selected for the earlier edit too.
    now = {"pkg/fmt.py": "f1", "pkg/util.py": "u1"}
    (target,) = selection_for(now, [USAGE, HELP]).targets
    assert [t.nodeid for t in target.tests] == ["tests/test_fmt.py::test_usage"]


def test_last_failures_always_run() -> None:
    failed = frozenset({"tests/test_fmt.py::test_help"})
    (target,) = selection_for({"pkg/fmt.py": "f1"}, [USAGE, HELP], failed_last=failed).targets
    assert {t.nodeid for t in target.tests} == set(ALL_TESTS)


def test_in_its_own_module_a_test_is_selected_by_its_own_function_alone() -> None:
    DIFFS[("tests/test_fmt.py", "t0", "t1")] = FileDiff(frozenset({"test_help"}))
    DIFFS[("tests/test_fmt.py", "t0", "t2")] = FileDiff(frozenset({"make_formatter"}))
    try:
        (target,) = selection_for({"tests/test_fmt.py": "t1"}, [USAGE, HELP], known=False).targets
        assert [(t.nodeid, t.reasons) for t in target.tests] == [
            ("tests/test_fmt.py::test_help", ("its test function `test_help` changed",))
        ]
        # A helper of the test module: its calls are not traced, so every test of it runs.
        (target,) = selection_for({"tests/test_fmt.py": "t2"}, [USAGE, HELP]).targets
        assert len(target.tests) == 2
        assert "a file whose calls are not traced" in target.tests[0].reasons[0]
    finally:
        del DIFFS[("tests/test_fmt.py", "t0", "t1")], DIFFS[("tests/test_fmt.py", "t0", "t2")]


def test_a_body_change_in_an_untraced_file_is_module_level() -> None:
    DIFFS[("pkg/util.py", "u0", "u2")] = FileDiff(frozenset({"other"}))
    try:
        view_traced = selection_for({"pkg/util.py": "u2"}, [USAGE, HELP])
        assert view_traced.is_empty  # traced, and nobody executed `other`
    finally:
        del DIFFS[("pkg/util.py", "u0", "u2")]


def test_a_tests_function_is_its_qualified_name() -> None:
    assert function_of_test("tests/test_a.py::TestX::test_y[1-2]") == "TestX.test_y"
    assert function_of_test("tests/test_a.py::test_z") == "test_z"


def test_merging_a_narrowed_target_with_a_whole_one_runs_the_file() -> None:
    narrowed = Target("t.py", ("a",), tests=(SelectedTest("t.py::x", ("r",)),), whole=False)
    whole = Target("t.py", ("b",), deselected=("t.py::x", "t.py::y"))
    merged = narrowed.merge(whole)
    assert merged.whole and merged.deselected == ("t.py::y",)
    assert [t.nodeid for t in merged.tests] == ["t.py::x"]


def test_a_changed_function_that_caches_its_results_is_module_level() -> None:
    DIFFS[("pkg/util.py", "u0", "u3")] = FileDiff(frozenset({"helper"}), "", frozenset({"helper"}))
    try:
        (target,) = selection_for({"pkg/util.py": "u3"}, [USAGE, HELP]).targets
        assert len(target.tests) == 2
        assert "`helper` caches its results" in target.tests[0].reasons[0]
    finally:
        del DIFFS[("pkg/util.py", "u0", "u3")]
