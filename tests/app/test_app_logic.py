"""The app's pure parts: the run view's bookkeeping, recorded state, forms' prefills,
themes and settings. No Textual app is started here."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.app.screens.forms import keyword_workaround
from cockpit.app.themes import DEFAULT_THEME, ThemeError, ThemeFiles, available, load_theme
from cockpit.app.views.run_view import RunView
from cockpit.app.views.workspace import expression_problem
from cockpit.app.widgets.run_header import counts_text
from cockpit.engine.events import (
    CollectedItem,
    CollectionFinished,
    CrashLocation,
    PhasesPassed,
    SessionStarted,
    TestReport,
    TestStarted,
)
from cockpit.engine.state import RunState, TestOutcome, recorded_state
from cockpit.settings import Settings
from cockpit.suite.model import RecordedResult, RunFacts, RunResults
from cockpit.suite.picture import build_picture

ERROR = "sqlalchemy.exc.InvalidRequestError: expression 'Tag' failed to locate a name ('Tag')."


def started(workers: int = 0) -> SessionStarted:
    return SessionStarted("9.2.0", "3.11.7", "/p", (), workers, 1, 0.0)


def collected(*nodeids: str) -> CollectionFinished:
    return CollectionFinished(tuple(CollectedItem(n, n.split("::")[0], None) for n in nodeids))


def failed(nodeid: str, message: str = ERROR) -> TestReport:
    return TestReport(
        nodeid,
        "call",
        "failed",
        "failed",
        0.1,
        crash=CrashLocation("x.py", 3, message),
        longrepr=message,
    )


def live_view(**options: object) -> RunView:
    return RunView(RunState(), reason="the whole suite", live=True, **options)  # type: ignore[arg-type]


def feed(view: RunView, *events: object) -> None:
    for event in events:
        view.state.apply(event)  # type: ignore[arg-type]
    view.apply_batch(events)  # type: ignore[arg-type]


def test_a_batch_marks_only_the_modules_it_touched() -> None:
    view = live_view()
    feed(view, started(), collected("a.py::t1", "b.py::t2"))
    assert view.take_dirty_modules() == {"a.py", "b.py"}
    feed(view, TestStarted("a.py::t1", None))
    assert view.take_dirty_modules() == {"a.py"}
    assert view.take_dirty_modules() == set()


def test_failures_are_clustered_as_they_arrive() -> None:
    view = live_view()
    feed(view, started(), collected("a.py::t1", "a.py::t2", "b.py::t3"))
    feed(view, failed("a.py::t1"), TestReport("a.py::t1", "teardown", "passed", "", 0.0))
    assert view.clusters_changed
    assert [c.count for c in view.clusters()] == [1]
    assert not view.clusters_changed
    feed(view, failed("b.py::t3"), TestReport("b.py::t3", "teardown", "passed", "", 0.0))
    clusters = view.clusters()
    assert [c.count for c in clusters] == [2]
    assert view.cluster_of("b.py::t3") is clusters[0]
    assert view.cluster_of("a.py::t2") is None


def test_time_left_from_recorded_durations_divided_among_workers() -> None:
    durations = {"a.py::t1": 2.0, "a.py::t2": 4.0, "a.py::t3": 6.0}
    view = live_view(known_durations=durations)
    feed(view, started(workers=2), collected(*durations))
    assert view.seconds_left(0.5) == (6.0, "recorded durations")
    feed(view, PhasesPassed("a.py::t3", ("setup", "call", "teardown"), 6.1))
    assert view.seconds_left(6.2) == (3.0, "recorded durations")


def test_time_left_from_the_runs_own_pace_without_recorded_durations() -> None:
    view = live_view()
    nodeids = [f"a.py::t{i}" for i in range(40)]
    feed(view, started(), collected(*nodeids))
    # Collecting took 8 s: the pace is measured from the first tick with the tests in.
    assert view.seconds_left(8.0) is None  # too early to tell
    feed(view, *(PhasesPassed(n, ("setup", "call", "teardown"), 0.1) for n in nodeids[:20]))
    assert view.seconds_left(9.0) == (1.0, "this run's pace")


def test_time_left_is_never_below_what_the_runs_pace_says_is_left() -> None:
    """Recorded durations leave out pytest's own work between tests: 0.001 s each says
    ~0.04 s for 40 tests, while the run does 20 tests a second. The pace wins."""
    nodeids = [f"a.py::t{i}" for i in range(60)]
    view = live_view(known_durations={nodeid: 0.001 for nodeid in nodeids})
    feed(view, started(), collected(*nodeids))
    view.seconds_left(0.0)  # the first tick with the tests in: the pace counts from here
    feed(view, *(PhasesPassed(n, ("setup", "call", "teardown"), 0.001) for n in nodeids[:20]))
    left, basis = view.seconds_left(1.0) or (0.0, "")
    assert (round(left, 6), basis) == (2.0, "this run's pace")


def test_tests_without_a_recorded_duration_count_as_typical_ones() -> None:
    durations = {"a.py::t1": 2.0, "a.py::t2": 4.0}
    view = live_view(known_durations=durations)
    feed(view, started(), collected("a.py::t1", "a.py::t2", "a.py::new"))
    assert view.seconds_left(0.1) == (9.0, "recorded durations")  # 2 + 4 + a typical 3


def passes(*nodeids: str) -> list[PhasesPassed]:
    return [PhasesPassed(n, ("setup", "call", "teardown"), 0.1) for n in nodeids]


def recorded(
    run_id: int, tests: dict[str, str], errors: dict[str, str] | None = None
) -> RunResults:
    facts = RunFacts(run_id, "the whole suite", True, "failed", 1.0 * run_id)
    results = {n: RecordedResult(n.split("::")[0], o, 0.2) for n, o in tests.items()}
    return RunResults(facts, results, errors or {})


PICTURE = build_picture(
    [
        recorded(
            1,
            {"a.py::t1": "passed", "a.py::t2": "failed", "c.py::t9": "passed"},
            {"b.py": "ImportError: cannot import name 'Tag'"},
        )
    ]
)


def test_passed_delta_compares_each_test_with_its_own_previous_result() -> None:
    view = live_view(picture=PICTURE, covered=("a.py", "b.py"))
    feed(view, started(), collected("a.py::t1", "a.py::t2", "b.py::t1", "b.py::t2", "b.py::t3"))
    assert view.passed_delta("a.py") is None  # nothing finished yet
    feed(view, *passes("a.py::t1", "a.py::t2", "b.py::t1", "b.py::t2", "b.py::t3"))
    assert view.passed_delta("a.py") == 1  # t2 failed before, t1 passed already
    assert view.passed_delta("b.py") == 3  # did not import: three new tests, from zero
    assert view.passed_delta("c.py") is None  # not run


def test_the_sessions_first_run_has_no_passed_delta() -> None:
    """Nothing ran before it: ``+26`` beside a module would read as 26 tests fixed."""
    view = live_view(picture=build_picture([]), covered=("a.py",))
    feed(view, started(), collected("a.py::t1"), *passes("a.py::t1"))
    assert view.passed_delta("a.py") is None


def test_a_rerun_keeps_the_other_modules_as_last_seen() -> None:
    view = live_view(picture=PICTURE, covered=("a.py",))
    feed(view, started(), collected("a.py::t1", "a.py::t2"), *passes("a.py::t1", "a.py::t2"))
    modules = view.modules()
    assert set(modules) == {"a.py", "b.py", "c.py"}
    assert modules["b.py"].status == "collection error" and modules["b.py"].totals.errors == 1
    assert modules["c.py"].status == "passed" and modules["c.py"].totals.passed == 1
    age = view.age("c.py")
    assert age is not None and (age.run_id, age.runs_ago, age.stale) == (1, 1, None)
    assert view.age("a.py") is None
    view.set_stale({"c.py": True, "b.py": False})
    age = view.age("c.py")
    assert age is not None and age.stale
    suite = view.suite_counts()
    assert suite is not None
    assert (suite.tests, suite.passed, suite.failing, suite.not_importable, suite.stale) == (
        3,
        3,
        0,
        1,
        1,
    )
    assert view.failing_in(view.modules()) == ["b.py"]


def test_a_partial_rerun_shows_its_tests_live_and_the_others_as_last_seen() -> None:
    view = live_view(picture=PICTURE, covered=None)
    feed(view, started(), collected("a.py::t1"), *passes("a.py::t1"))
    tally = view.module_tally("a.py")
    assert tally is not None
    assert (tally.totals.passed, tally.totals.failed, tally.collected) == (1, 1, 2)
    assert view.tests_of("a.py") == ["a.py::t1", "a.py::t2"]
    record = view.record("a.py::t2")
    assert record is not None and record.outcome == TestOutcome.FAILED
    assert view.result_run("a.py::t2") == 1 and view.result_run("a.py::t1") is None
    assert "a.py::t2" in view.failing_in(["a.py"])


def test_a_run_covering_files_whole_defines_their_tests_once_collected() -> None:
    view = live_view(picture=PICTURE, covered=("",))
    feed(view, started())
    assert "c.py" in view.modules()  # nothing collected yet: still as last seen
    feed(view, collected("a.py::t1"))
    assert view.rows_replaced
    assert set(view.modules()) == {"a.py"}  # a.py::t2, b.py and c.py are gone
    assert view.tests_of("a.py") == ["a.py::t1"]
    assert view.suite_counts() is None  # the screen shows this run alone


def test_without_a_picture_the_view_is_the_run_alone() -> None:
    view = live_view()
    feed(view, started(), collected("a.py::t1"), *passes("a.py::t1"))
    assert view.modules() is view.state.modules
    assert view.passed_delta("a.py") is None and view.suite_counts() is None


def test_recorded_state_rebuilds_counts_and_failures() -> None:
    state = recorded_state(
        [
            ("a.py::t1", "a.py", "passed", 0.1),
            ("a.py::t2", "a.py", "failed", 0.2),
            ("b.py::t3", "b.py", "error", 0.3),
            ("b.py::t4", "b.py", "crashed", 0.4),
            ("b.py::t5", "b.py", "xfailed", 0.0),
        ],
        [("c.py", "ImportError: no module named x")],
    )
    assert state.totals.as_dict() == {
        "passed": 1,
        "failed": 2,
        "errors": 2,
        "skipped": 0,
        "xfailed": 1,
        "xpassed": 0,
    }
    assert state.failures == ["a.py::t2", "b.py::t3", "b.py::t4"]
    assert state.tests["b.py::t4"].outcome is TestOutcome.CRASHED
    assert state.modules["a.py"].status == "failing"
    assert state.modules["c.py"].status == "collection error"
    assert state.finished == state.collected == 5


def test_a_recorded_view_clusters_only_what_it_is_given() -> None:
    state = recorded_state([("a.py::t1", "a.py", "failed", 0.1)])
    view = RunView(state, reason="the whole suite", run_id=3)
    assert view.clusters() == []
    view.add_recorded_failure("a.py::t1", ERROR, ERROR)
    assert [c.count for c in view.clusters()] == [1]


@pytest.mark.parametrize(
    ("nodeids", "expected"),
    [
        (["t.py::test_a"], "-k 'not test_a'"),
        (["t.py::test_a", "t.py::K::test_b[1-x]"], "-k 'not (test_a or test_b[1-x])'"),
        (["t.py::test_a", "u.py::test_a"], "-k 'not test_a'"),
        (["t.py::test_weird[a b]"], ""),
    ],
)
def test_keyword_workaround_names_each_test(nodeids: list[str], expected: str) -> None:
    assert keyword_workaround(nodeids) == expected


def test_the_shipped_themes_load_dark_first() -> None:
    themes = available()
    names = [files.name for files in themes]
    assert names[0] == DEFAULT_THEME
    assert {"cockpit-dark", "cockpit-light", "cockpit-contrast"} <= set(names)
    for files in themes:
        theme = load_theme(files)
        assert theme.name == files.name and files.stylesheet is not None
    assert not load_theme(themes[names.index("cockpit-light")]).dark


def test_a_broken_theme_file_is_one_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "mine.toml"
    broken.write_text("name = 'other'\n")
    with pytest.raises(ThemeError, match="must set name = 'mine'"):
        load_theme(ThemeFiles("mine", broken, None))
    broken.write_text("name = [")
    with pytest.raises(ThemeError, match="cannot read the theme"):
        load_theme(ThemeFiles("mine", broken, None))


def test_settings_round_trip_and_survive_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COCKPIT_CONFIG_DIR", str(tmp_path / "config"))
    assert Settings.load() == Settings()
    Settings(theme='a "quoted" theme').save()
    assert Settings.load().theme == 'a "quoted" theme'
    (tmp_path / "config" / "settings.toml").write_text("theme = [")
    assert Settings.load() == Settings()


def test_tests_of_a_module_are_indexed_as_they_appear() -> None:
    view = live_view()
    feed(view, started(), collected("a.py::t1", "b.py::t2", "a.py::t3"))
    assert view.tests_of("a.py") == ["a.py::t1", "a.py::t3"]
    feed(view, TestStarted("b.py::t4", None))  # a test pytest never announced
    assert view.tests_of("b.py") == ["b.py::t2", "b.py::t4"]
    assert view.tests_of("c.py") == []


def test_the_header_says_pytest_is_collecting_until_the_tests_arrive() -> None:
    view = live_view()
    feed(view, started())
    assert "collecting" in counts_text(view, running=True).plain
    assert "0 passed" in counts_text(view, running=False).plain  # a finished empty run
    feed(view, collected("tests/test_a.py::test_1", "tests/test_a.py::test_2"))
    shown = counts_text(view, running=True).plain
    assert "collecting" not in shown and "2 to run" in shown


def test_an_expression_pytest_cannot_parse_is_named_with_where_it_breaks() -> None:
    assert expression_problem("-k", "not slow and api") is None
    assert expression_problem("-m", "") is None
    problem = expression_problem("-k", "not (a or")
    assert problem is not None and problem.startswith("-k 'not (a or' does not parse: at column")
