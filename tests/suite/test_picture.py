"""The session picture, folded from runs by hand (the pure rules; ``test_read`` reads it out
of real session logs)."""

from __future__ import annotations

import pytest

from cockpit.engine.pytest_args import whole_paths
from cockpit.suite.model import Counts, RecordedResult, RunFacts, RunResults
from cockpit.suite.picture import SuitePicture, build_picture

A, B, C = "tests/test_a.py", "tests/test_b.py", "tests/test_c.py"


def run(
    run_id: int,
    tests: dict[str, str],
    *,
    args: tuple[str, ...] = (),
    outcome: str = "failed",
    errors: dict[str, str] | None = None,
) -> RunResults:
    whole = not args
    facts = RunFacts(
        run_id, "the whole suite" if whole else "subset", whole, outcome, 100.0 * run_id, args
    )
    results = {
        nodeid: RecordedResult(nodeid.split("::")[0], result, 0.5)
        for nodeid, result in tests.items()
    }
    return RunResults(facts, results, errors or {})


WHOLE = {f"{A}::t1": "passed", f"{A}::t2": "passed", f"{B}::t1": "failed", f"{B}::t2": "error"}


def test_a_subset_after_the_whole_suite_updates_only_what_it_ran() -> None:
    picture = build_picture([run(1, WHOLE), run(2, {f"{B}::t1": "passed"}, args=(B,))])
    modules = picture.modules()
    assert modules[A].counts == Counts(passed=2) and modules[A].runs == (1,)
    # t2 was not in run 2's recorded tests, but run 2 covered test_b.py whole: t2 is gone.
    assert modules[B].counts == Counts(passed=1) and modules[B].runs == (2,)
    state = picture.tests[f"{B}::t1"]
    assert (state.outcome, state.run_id, state.previous, state.previous_run) == (
        "passed",
        2,
        "failed",
        1,
    )
    assert picture.tests[f"{A}::t1"].run_id == 1
    assert picture.totals() == Counts(passed=3)
    assert picture.baseline is not None and picture.baseline.id == 1
    assert picture.last_whole is not None and picture.last_whole.id == 1
    assert picture.runs_since(1) == 1 and picture.runs_since(2) == 0


def test_a_subset_that_leaves_tests_out_keeps_them() -> None:
    rerun = run(2, {f"{B}::t1": "passed"}, args=("-k", "t1", B))
    picture = build_picture([run(1, WHOLE), rerun])
    modules = picture.modules()
    assert modules[B].counts == Counts(passed=1, errors=1)
    assert modules[B].runs == (1, 2)
    assert picture.tests[f"{B}::t2"].run_id == 1


def test_the_whole_suite_after_a_subset_replaces_everything_and_forgets_the_gone() -> None:
    first = run(1, {f"{B}::t1": "failed", f"{C}::old": "failed"}, args=(B, C))
    picture = build_picture([first, run(2, WHOLE)])
    assert set(picture.modules()) == {A, B}  # test_c.py is gone: the whole suite has none
    assert {state.run_id for state in picture.tests.values()} == {2}
    assert picture.tests[f"{B}::t1"].previous == "failed"
    assert picture.tests[f"{A}::t1"].previous is None  # new to the picture
    assert picture.baseline is not None and picture.baseline.id == 2


def test_a_collection_error_stays_until_a_run_shows_the_module_importable() -> None:
    broken = run(1, WHOLE, errors={C: "ImportError: cannot import name 'Tag'"})
    other = run(2, {f"{A}::t1": "failed"}, args=(f"{A}::t1",))
    fixed = run(3, {f"{C}::t{n}": "passed" for n in range(4)}, args=(C,))
    picture = build_picture([broken, other])
    error = picture.modules()[C]
    assert error.collection_error == "ImportError: cannot import name 'Tag'"
    assert error.runs == (1,) and error.failing and error.counts == Counts()
    assert picture.collection_errors == 1
    picture = picture.with_run(fixed)
    module = picture.modules()[C]
    assert module.collection_error is None and module.counts == Counts(passed=4)
    assert all(picture.tests[f"{C}::t{n}"].previous is None for n in range(4))  # new tests
    assert picture.collection_errors == 0


def test_a_module_that_stops_importing_loses_its_old_results() -> None:
    picture = build_picture([run(1, WHOLE), run(2, {}, args=(A,), errors={A: "SyntaxError"})])
    module = picture.modules()[A]
    assert module.counts == Counts() and module.collection_error == "SyntaxError"
    assert not [nodeid for nodeid in picture.tests if nodeid.startswith(A)]


def test_a_crashed_run_keeps_its_crash_and_forgets_nothing() -> None:
    crashed = run(2, {f"{A}::t1": "crashed"}, args=(A,), outcome="crashed")
    picture = build_picture([run(1, WHOLE), crashed])
    assert picture.tests[f"{A}::t1"].outcome == "crashed"
    assert picture.tests[f"{A}::t2"].run_id == 1  # never reached by the crashed run
    assert picture.modules()[A].counts == Counts(passed=1, crashed=1)
    assert picture.last_whole is not None and picture.last_whole.id == 1


def test_an_interrupted_whole_suite_run_is_no_baseline_and_forgets_nothing() -> None:
    cut = run(2, {f"{A}::t1": "failed"}, outcome="interrupted")
    picture = build_picture([run(1, WHOLE), cut])
    assert picture.tests[f"{B}::t1"].run_id == 1
    assert picture.last_whole is not None and picture.last_whole.id == 1


def test_known_issues_are_counted_on_their_failing_tests() -> None:
    picture = build_picture([run(1, WHOLE)], known=[f"{B}::t1", f"{A}::t1"])
    modules = picture.modules()
    assert modules[B].known == 1  # t1 fails; test_a's t1 passes, so it is not counted
    assert modules[A].known == 0
    workaround = run(2, {f"{B}::t2": "passed"}, args=("-k", "not t1"))
    kept = picture.with_run(workaround)
    assert kept.tests[f"{B}::t1"].outcome == "failed"  # deselected: still the known failure
    assert kept.modules()[B].known == 1


def test_counted_modules_take_counts_and_refuse_a_test_by_test_update() -> None:
    base = run(1, {f"{A}::t1": "passed"})
    base = base._replace(counted={B: Counts(passed=5, failed=1)})
    picture = SuitePicture().with_run(base)
    assert picture.modules()[B].counts == Counts(passed=5, failed=1)
    assert picture.totals() == Counts(passed=6, failed=1)
    with pytest.raises(ValueError, match="counts only"):
        picture.with_run(run(2, {f"{B}::t1": "passed"}, args=(B,)))


@pytest.mark.parametrize(
    ("args", "paths"),
    [
        ((), ()),
        (("--ff", "tests/a.py", "tests/api/"), ("tests/a.py", "tests/api")),
        (("-n", "2", "./tests"), ("tests",)),
        ((".",), ()),
        (("-k", "slow", "tests"), None),
        (("tests/a.py::test_x",), None),
        (("--deselect", "tests/a.py::t", "tests"), None),
        (("-x",), None),
        (("--maxfail=2",), None),
        (("/abs/tests",), None),
        (("-p", "no:randomly", "tests/a.py"), ("tests/a.py",)),
    ],
)
def test_which_files_a_run_covers_whole(
    args: tuple[str, ...], paths: tuple[str, ...] | None
) -> None:
    assert whole_paths(args) == paths
