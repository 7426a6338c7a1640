"""The call map in the session log, on both backends: merged workers, replaced entries."""

from __future__ import annotations

from typing import Any

from cockpit.store.session_log import SessionLog


def side(tests: dict[str, list[int]], **extra: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "functions": [["pkg/fmt.py", "Formatter.write_usage"], ["pkg/util.py", "helper"]],
        "files": {"pkg/fmt.py": "f0", "pkg/util.py": "u0"},
        "tests": tests,
        "outside": [1],
        "spawning": [],
        "collected": {"tests/test_a.py": ["tests/test_a.py::t1", "tests/test_a.py::t2"]},
        "test_files": {"tests/test_a.py": "t0"},
        "traced_files": ["pkg/fmt.py", "pkg/util.py"],
        **extra,
    }


def begin(log: SessionLog) -> int:
    return log.begin_run(["-q"], whole_suite=True, selection_reason="t", interpreter="python")


def test_workers_merge_and_a_later_run_replaces_only_its_tests(log: SessionLog) -> None:
    log.start_session("call map", None)
    first = begin(log)
    workers = [side({"tests/test_a.py::t1": [0]}), side({"tests/test_a.py::t2": [0, 1]})]
    assert log.record_call_map(first, workers) == 2
    entries = log.call_map(["tests/test_a.py"])
    assert entries["tests/test_a.py::t1"].functions == {("pkg/fmt.py", "Formatter.write_usage")}
    assert entries["tests/test_a.py::t2"].files == {"pkg/fmt.py": "f0", "pkg/util.py": "u0"}
    assert log.known_tests(["tests/test_a.py"]) == {
        "tests/test_a.py": ("t0", ("tests/test_a.py::t1", "tests/test_a.py::t2"))
    }
    assert log.outside_functions() == {("pkg/util.py", "helper")}
    assert log.traced_files() == {"pkg/fmt.py", "pkg/util.py"}
    # A run of t1 alone: its entry is replaced, t2's kept; the file did not run whole.
    second = begin(log)
    one = side({"tests/test_a.py::t1": [1]}, spawning=["tests/test_a.py::t1"])
    one["collected"] = {}
    assert log.record_call_map(second, [one]) == 1
    entries = log.call_map(["tests/test_a.py"])
    assert entries["tests/test_a.py::t1"].run_id == second
    assert not entries["tests/test_a.py::t1"].complete
    assert entries["tests/test_a.py::t2"].run_id == first
    assert log.known_tests(["tests/test_a.py"])["tests/test_a.py"][0] == "t0"
