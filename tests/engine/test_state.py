"""The run state model: pure, fed typed events, must count exactly as pytest does."""

from __future__ import annotations

from cockpit.engine.events import (
    CollectedItem,
    CollectionError,
    CollectionFinished,
    CollectionSkipped,
    CrashLocation,
    SessionFinished,
    SessionStarted,
    TestReport,
    TestStarted,
)
from cockpit.engine.state import RunOutcome, RunState, TestOutcome


def session() -> SessionStarted:
    return SessionStarted("9.2.0", "3.11.7", "/project", (), 0, 1, 100.0)


def report(nodeid: str, when: str, outcome: str, category: str, **extra: object) -> TestReport:
    return TestReport(nodeid, when, outcome, category, 0.5, **extra)  # type: ignore[arg-type]


def run_test(state: RunState, nodeid: str, *phases: tuple[str, str, str]) -> None:
    state.apply(TestStarted(nodeid, None))
    for when, outcome, category in phases:
        state.apply(report(nodeid, when, outcome, category))


PASS = (("setup", "passed", ""), ("call", "passed", "passed"), ("teardown", "passed", ""))


def collected(*nodeids: str) -> CollectionFinished:
    return CollectionFinished(tuple(CollectedItem(n, n.split("::")[0], None) for n in nodeids))


def test_counts_per_module_and_totals() -> None:
    state = RunState()
    state.apply(session())
    state.apply(collected("a.py::t1", "a.py::t2", "b.py::t3"))
    assert state.modules["a.py"].not_run == 2
    run_test(state, "a.py::t1", *PASS)
    run_test(
        state,
        "a.py::t2",
        ("setup", "passed", ""),
        ("call", "failed", "failed"),
        ("teardown", "passed", ""),
    )
    a = state.modules["a.py"]
    assert (a.totals.passed, a.totals.failed, a.not_run, a.running) == (1, 1, 0, 0)
    assert a.status == "failing"
    assert state.modules["b.py"].status == "not run"
    assert state.totals.as_dict() == {
        "passed": 1,
        "failed": 1,
        "errors": 0,
        "skipped": 0,
        "xfailed": 0,
        "xpassed": 0,
    }
    assert state.failures == ["a.py::t2"]
    assert state.tests["a.py::t2"].outcome is TestOutcome.FAILED
    assert a.duration == 3.0


def test_running_until_teardown() -> None:
    state = RunState()
    state.apply(collected("a.py::t1"))
    state.apply(TestStarted("a.py::t1", None))
    assert state.modules["a.py"].running == 1
    assert state.tests["a.py::t1"].outcome is TestOutcome.RUNNING
    assert state.running_tests == ["a.py::t1"]
    state.apply(report("a.py::t1", "setup", "passed", ""))
    state.apply(report("a.py::t1", "call", "passed", "passed"))
    assert state.tests["a.py::t1"].outcome is TestOutcome.RUNNING
    state.apply(report("a.py::t1", "teardown", "passed", ""))
    assert state.modules["a.py"].running == 0
    assert state.tests["a.py::t1"].outcome is TestOutcome.PASSED
    assert state.finished == 1


def test_teardown_error_counts_passed_and_error_like_pytest() -> None:
    state = RunState()
    run_test(
        state,
        "a.py::t",
        ("setup", "passed", ""),
        ("call", "passed", "passed"),
        ("teardown", "failed", "error"),
    )
    assert (state.totals.passed, state.totals.errors) == (1, 1)
    assert state.tests["a.py::t"].outcome is TestOutcome.ERROR


def test_setup_error_then_failed_call_is_never_downgraded() -> None:
    state = RunState()
    run_test(
        state,
        "a.py::t",
        ("setup", "passed", ""),
        ("call", "failed", "failed"),
        ("teardown", "failed", "error"),
    )
    assert state.tests["a.py::t"].outcome is TestOutcome.FAILED
    assert state.tests["a.py::t"].failure is not None
    assert state.tests["a.py::t"].failure.when == "call"


def test_xfail_xpass_and_skip() -> None:
    state = RunState()
    teardown = ("teardown", "passed", "")
    run_test(state, "a.py::x", ("setup", "passed", ""), ("call", "skipped", "xfailed"), teardown)
    run_test(state, "a.py::p", ("setup", "passed", ""), ("call", "passed", "xpassed"), teardown)
    state.apply(
        report("a.py::s", "setup", "skipped", "skipped", crash=CrashLocation("a.py", 3, "no"))
    )
    state.apply(report("a.py::s", "teardown", "passed", ""))
    assert state.tests["a.py::x"].outcome is TestOutcome.XFAILED
    assert state.tests["a.py::p"].outcome is TestOutcome.XPASSED
    assert state.tests["a.py::s"].outcome is TestOutcome.SKIPPED
    assert state.tests["a.py::s"].skip_reason == "no"
    assert (state.totals.xfailed, state.totals.xpassed, state.totals.skipped) == (1, 1, 1)


def test_collection_error_is_one_error_of_its_module_and_hides_nothing() -> None:
    state = RunState()
    state.apply(CollectionError("b.py", "b.py", "SyntaxError: invalid syntax", "E   boom"))
    state.apply(collected("a.py::t1"))
    run_test(state, "a.py::t1", *PASS)
    assert state.modules["b.py"].totals.errors == 1
    assert state.modules["b.py"].status == "collection error"
    assert state.modules["a.py"].status == "passed"
    assert (state.totals.errors, state.totals.passed) == (1, 1)


def test_module_level_skip() -> None:
    state = RunState()
    state.apply(CollectionSkipped("c.py", "c.py", "whole module"))
    assert state.modules["c.py"].totals.skipped == 1


def test_outcome_follows_exit_status() -> None:
    state = RunState()
    state.apply(session())
    assert state.outcome is RunOutcome.RUNNING
    state.apply(SessionFinished(5, 101.5))
    assert state.outcome is RunOutcome.NO_TESTS
    assert state.duration == 1.5


def test_crash_blames_the_running_test_and_keeps_results() -> None:
    state = RunState()
    state.apply(session())
    state.apply(collected("a.py::t1", "a.py::t2", "a.py::t3"))
    run_test(state, "a.py::t1", *PASS)
    state.apply(TestStarted("a.py::t2", None))
    state.mark_crashed(None)
    assert state.outcome is RunOutcome.CRASHED
    assert state.crashed_test == "a.py::t2"
    assert state.tests["a.py::t2"].outcome is TestOutcome.CRASHED
    tally = state.modules["a.py"]
    assert (tally.totals.passed, tally.totals.failed, tally.running, tally.not_run) == (1, 1, 0, 1)


def test_crash_named_by_marker_even_if_start_event_was_lost() -> None:
    state = RunState()
    state.apply(collected("a.py::t1", "a.py::t2"))
    state.mark_crashed("a.py::t2")
    assert state.crashed_test == "a.py::t2"
    assert state.modules["a.py"].totals.failed == 1
    assert state.failures == ["a.py::t2"]


def test_xdist_crash_report_finishes_the_test() -> None:
    state = RunState()
    state.apply(collected("a.py::t1"))
    state.apply(TestStarted("a.py::t1", None))
    state.apply(report("a.py::t1", "???", "failed", "failed", worker="gw1"))
    assert state.tests["a.py::t1"].outcome is TestOutcome.FAILED
    assert state.tests["a.py::t1"].worker == "gw1"
    assert state.modules["a.py"].running == 0


def test_report_for_uncollected_test_is_still_counted() -> None:
    state = RunState()
    run_test(state, "late.py::t", *PASS)
    assert state.collected == 1
    assert state.modules["late.py"].totals.passed == 1
