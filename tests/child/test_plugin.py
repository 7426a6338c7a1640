"""The child plugin, run in-process by pytester: every event kind, xdist, hostile output."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cockpit.engine.command import PLUGIN_DIR, PLUGIN_MODULE
from cockpit.engine.events import Event, PhasesPassed, SessionStarted, TestReport, decode_line
from cockpit.engine.state import RunState
from tests.helpers import run_pytest

Events = list[dict[str, Any]]


@pytest.fixture
def run_with_plugin(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., tuple[pytest.RunResult, Events]]:
    """Run pytester with cockpit's plugin writing its events into a file."""
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    monkeypatch.setenv("PYTHONPATH", str(PLUGIN_DIR))  # for xdist workers
    counter = iter(range(1000))

    def run(*args: str, quiet: bool = False) -> tuple[pytest.RunResult, Events]:
        stream = tmp_path / f"events-{next(counter)}.jsonl"
        fd = os.open(stream, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        monkeypatch.setenv("COCKPIT_EVENT_FD", str(fd))
        monkeypatch.setenv("COCKPIT_QUIET_TERMINAL", "1" if quiet else "0")
        try:
            result = pytester.runpytest("-p", PLUGIN_MODULE, *args)
        finally:
            with contextlib.suppress(OSError):  # the plugin closed it
                os.close(fd)
        lines = stream.read_bytes().splitlines()
        return result, [json.loads(line) for line in lines]

    return run


def kinds(events: Events) -> list[str]:
    return [event["kind"] for event in events]


def state_of(events: Events) -> RunState:
    state = RunState()
    for raw in events:
        event = decode_line(json.dumps(raw).encode())
        assert event is not None, raw
        state.apply(event)
    return state


def test_every_event_kind(pytester: pytest.Pytester, run_with_plugin: Any) -> None:
    pytester.makeconftest(
        """
        import pytest
        @pytest.fixture
        def broken():
            raise RuntimeError("setup broke")
        """
    )
    pytester.makepyfile(
        test_a="""
        import warnings, pytest, sys, time
        def test_slow():
            time.sleep(0.3)
        def test_pass():
            print("hello out")
            sys.stderr.write("hello err")
        def test_fail():
            assert 1 == 2, "one is not two"
        def test_error(broken):
            pass
        def test_skip():
            pytest.skip("not today")
        @pytest.mark.xfail
        def test_xfail():
            assert 0
        def test_warn():
            warnings.warn("careful", UserWarning)
        """,
        test_broken="def test_x(:\n    pass\n",
    )
    result, events = run_with_plugin("--continue-on-collection-errors")
    assert result.ret == 1
    assert kinds(events)[0] == "session_start"
    assert kinds(events)[-1] == "session_finish"
    assert {"collection", "collect_error", "test_start", "test_report", "warning"} <= set(
        kinds(events)
    )
    start = events[0]
    assert start["protocol"] == 1 and start["workers"] == 0
    assert start["rootdir"] == str(pytester.path)
    collection = next(e for e in events if e["kind"] == "collection")
    assert {item["nodeid"] for item in collection["items"]} == {
        f"test_a.py::test_{name}"
        for name in ("slow", "pass", "fail", "error", "skip", "xfail", "warn")
    }
    assert collection["items"][0]["module"] == "test_a"
    error = next(e for e in events if e["kind"] == "collect_error")
    assert error["file"] == "test_broken.py" and "SyntaxError" in error["longrepr"]
    fail = next(
        e
        for e in events
        if e["kind"] == "test_report" and e["outcome"] == "failed" and e["when"] == "call"
    )
    assert fail["crash"]["lineno"] == 8 and "one is not two" in fail["crash"]["message"]
    assert "assert 1 == 2" in fail["longrepr"]
    passed = next(
        e
        for e in events
        if e["kind"] == "test_report" and e["nodeid"].endswith("test_pass") and e["when"] == "call"
    )
    assert passed["stdout"] == "hello out\n" and passed["stderr"] == "hello err"
    warning = next(e for e in events if e["kind"] == "warning")
    assert warning["category"] == "UserWarning" and warning["message"] == "careful"
    assert events[-1]["exitstatus"] == 1
    compact = [e for e in events if e["kind"] == "phases_passed"]
    assert any(
        e["nodeid"].endswith("test_warn") and e["phases"] == ["setup", "call", "teardown"]
        for e in compact
    )
    assert all(value is not None for e in events for value in e.values())

    # pytest's own counts and the state's agree
    state = state_of(events)
    outcomes = result.parseoutcomes()
    assert state.totals.passed == outcomes["passed"] == 3
    # only a test that outlives the writer's 50 ms tick is announced as started
    starts = [e["nodeid"] for e in events if e["kind"] == "test_start"]
    assert starts == ["test_a.py::test_slow"]
    assert state.totals.failed == outcomes["failed"] == 1
    assert state.totals.errors == outcomes["errors"] == 2
    assert state.totals.skipped == outcomes["skipped"] == 1
    assert state.totals.xfailed == outcomes["xfailed"] == 1


def test_xdist_streams_every_result_with_worker_ids(pytester: pytest.Pytester) -> None:
    """Through the real runner: workers are subprocesses, events come from the controller."""
    pytest.importorskip("xdist")
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(
        **{
            f"test_m{m}": "\n".join(
                f"def test_{i}():\n    assert {i} % 7 != 3\n" for i in range(20)
            )
            for m in range(3)
        }
    )
    events: list[Event] = []
    result = run_pytest(pytester.path, "-n", "2", on_batch=events.extend)
    state = result.state
    assert state.session is not None and state.session.workers == 2
    reports = [e for e in events if isinstance(e, TestReport | PhasesPassed)]
    assert {r.worker for r in reports} == {"gw0", "gw1"}
    assert len({r.nodeid for r in reports}) == 60
    assert sum(isinstance(e, SessionStarted) for e in events) == 1
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider").parseoutcomes()
    assert state.totals.passed == plain["passed"] == 51
    assert state.totals.failed == plain["failed"] == 9
    assert state.collected == 60
    assert result.exit_code == 1


def test_huge_ansi_and_invalid_utf8_output_is_capped_and_valid(
    pytester: pytest.Pytester, run_with_plugin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COCKPIT_CAPTURE_CAP", "4096")
    pytester.makepyfile(
        """
        import sys
        def test_loud():
            sys.stdout.write("x" * 10_000_000)
            sys.stdout.write("\\x1b[31mred\\x1b[0m")
            assert False, "\\x1b[1mbold\\x1b[0m \\udcff"
        """
    )
    result, events = run_with_plugin(quiet=True)
    call = next(e for e in events if e["kind"] == "test_report" and e["when"] == "call")
    assert len(call["stdout"]) < 4200
    assert "cockpit cut" in call["stdout"] and call["stdout"].endswith("\x1b[0m")
    assert len(call["longrepr"]) < 4200
    assert "\x1b[1mbold" in call["crash"]["message"]
    call["crash"]["message"].encode("utf-8")  # lone surrogates were replaced
    assert result.ret == 1


def test_a_failed_comparison_keeps_pytests_message_with_the_terminal_reporter_off(
    pytester: pytest.Pytester, run_with_plugin: Any
) -> None:
    """pytest's assertion comparison asks the config for the (unregistered) reporter's
    writer; without it the comparison itself failed, and every ``assert a == b`` was
    recorded as a bare AssertionError raised inside pytest."""
    pytester.makepyfile(
        """
        def test_compare():
            assert [1, 2] == [1, 3]
        """
    )
    result, events = run_with_plugin(quiet=True)
    call = next(e for e in events if e["kind"] == "test_report" and e["when"] == "call")
    assert call["crash"]["message"].startswith("assert [1, 2] == [1, 3]")
    assert "At index 1 diff: 2 != 3" in call["crash"]["message"]
    assert "site-packages" not in call["crash"]["path"]  # the test's own line
    assert result.ret == 1


def test_fd_is_not_leaked_to_nested_runs(pytester: pytest.Pytester, run_with_plugin: Any) -> None:
    pytester.makepyfile(
        """
        import os
        def test_env_is_clean():
            assert "COCKPIT_EVENT_FD" not in os.environ
        """
    )
    result, _ = run_with_plugin()
    assert result.ret == 0


def test_silent_without_cockpit(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loaded without cockpit's fd (a user's plain run), the plugin does nothing."""
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    monkeypatch.delenv("COCKPIT_EVENT_FD", raising=False)
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("-p", PLUGIN_MODULE)
    result.assert_outcomes(passed=1)


def test_quiet_terminal_keeps_terminal_options(
    pytester: pytest.Pytester, run_with_plugin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile("def test_ok(): pass")
    monkeypatch.setenv("COCKPIT_QUIET_TERMINAL", "1")
    # run_with_plugin sets the variable to 0; call pytester directly with a fresh fd
    stream = pytester.path / "events.jsonl"
    fd = os.open(stream, os.O_WRONLY | os.O_CREAT, 0o600)
    monkeypatch.setenv("COCKPIT_EVENT_FD", str(fd))
    result = pytester.runpytest("-p", PLUGIN_MODULE, "-q", "-rA", "--tb=short")
    assert result.ret == 0
    assert "passed" not in result.stdout.str()  # pytest's reporter is gone...
    events = [decode_line(line) for line in stream.read_bytes().splitlines()]
    assert isinstance(events[0], SessionStarted)
    assert any(isinstance(e, PhasesPassed) and "call" in e.phases for e in events)


def test_a_missing_fixture_names_itself_and_gets_its_hint(
    pytester: pytest.Pytester, run_with_plugin: Any
) -> None:
    pytester.makepyfile(test_f="def test_needs(tenant_db):\n    pass\n")
    _, events = run_with_plugin()
    report = next(e for e in events if e["kind"] == "test_report" and e["outcome"] == "failed")
    crash = report["crash"]
    assert crash["message"] == "FixtureLookupError: fixture 'tenant_db' not found"
    assert crash["path"].endswith("test_f.py") and crash["lineno"] == 1
    from cockpit.rootcause.clusters import Clusterer

    clusterer = Clusterer(str(pytester.path))
    cluster = clusterer.add("test_f.py::test_needs", "test_f.py", "error", crash["message"])
    assert cluster.hint is not None and "tenant_db" in cluster.hint[1]


def test_a_large_collection_arrives_in_chunks(
    pytester: pytest.Pytester, run_with_plugin: Any
) -> None:
    pytester.makepyfile(
        test_many="import pytest\n@pytest.mark.parametrize('n', range(2500))\ndef test_n(n):\n"
        "    pass\n"
    )
    _, events = run_with_plugin("--collect-only", "-q")
    chunks = [e for e in events if e["kind"] == "collection"]
    assert [len(chunk["items"]) for chunk in chunks] == [1000, 1000, 500]
    assert state_of(events).collected == 2500


def test_quiet_terminal_keeps_assertion_explanations(
    pytester: pytest.Pytester, run_with_plugin: Any
) -> None:
    """Without the terminal reporter pytest's comparison explanations asked for its writer
    and failed inside ``_pytest``: the test reported a bare AssertionError."""
    pytester.makepyfile(test_eq="def test_eq():\n    x = 1\n    assert x == 2\n")
    _, events = run_with_plugin(quiet=True)
    report = next(e for e in events if e["kind"] == "test_report" and e["outcome"] == "failed")
    assert report["crash"]["message"] == "assert 1 == 2"
    assert report["crash"]["path"].endswith("test_eq.py")
    assert "_pytest" not in report["longrepr"]


def test_a_conftest_that_cannot_import_is_reported_before_any_session(
    pytester: pytest.Pytester, run_with_plugin: Any
) -> None:
    """pytest_configure never runs: the wrapper around the initial conftests reports it."""
    pytester.makepyfile(helpers="def make():\n    return weakref.ref(make)\n\nTHING = make()\n")
    pytester.makeconftest("from helpers import THING\n")
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    pytester.syspathinsert()
    result, events = run_with_plugin()
    assert result.ret == 4
    [event] = events
    assert (event["kind"], event["what"], event["exception"]) == (
        "startup_error",
        "conftest",
        "NameError",
    )
    assert event["conftest"] == str(pytester.path / "conftest.py")
    assert event["message"] == "name 'weakref' is not defined"
    assert "helpers.py:2: in make" in event["longrepr"]  # pytest's own short traceback
    state = state_of(events)
    assert str(state.outcome) == "conftest-error" and "./" in state.modules


def test_a_plugin_named_in_pytest_plugins_that_cannot_import_names_both(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    pytester.makepyfile(brokenplugin="from missing_module import thing\n")
    pytester.makeconftest('pytest_plugins = ["brokenplugin"]\n')
    pytester.syspathinsert()
    stream = pytester.path / "events.jsonl"
    fd = os.open(stream, os.O_WRONLY | os.O_CREAT, 0o600)
    monkeypatch.setenv("COCKPIT_EVENT_FD", str(fd))
    with contextlib.suppress(ImportError):  # in-process, pytest lets it out
        pytester.runpytest("-p", PLUGIN_MODULE)
    with contextlib.suppress(OSError):
        os.close(fd)
    [event] = [json.loads(line) for line in stream.read_bytes().splitlines()]
    assert (event["kind"], event["what"], event["plugin"]) == (
        "startup_error",
        "plugin",
        "brokenplugin",
    )
    assert event["exception"] == "ModuleNotFoundError"  # the plugin's own error, unwrapped
    assert event["conftest"].endswith("conftest.py")
