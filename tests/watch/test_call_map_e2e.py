"""Precise selection end to end: a real traced ``cockpit run`` builds the call map, then
the real ``cockpit affected --json`` narrows what the import graph selects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import cockpit, copy_project


def affected(project: Path, *args: str) -> dict[str, Any]:
    completed = cockpit("affected", "--json", "--no-last-failed", *args, cwd=project)
    assert completed.returncode == 0, completed.stderr
    payload: dict[str, Any] = json.loads(completed.stdout)
    return payload


def run(project: Path, *args: str) -> None:
    completed = cockpit("run", "--json", *args, cwd=project)
    assert completed.returncode == 0, completed.stderr + completed.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_changed_method_selects_the_tests_that_executed_it(tmp_path: Path) -> None:
    project = copy_project("call_map", tmp_path)
    run(project)
    edit(project / "pkg" / "fmt.py", 'return "usage"', 'return "usage!"')
    coarse = affected(project, "--coarse", "pkg/fmt.py")
    # The package root re-exports everything: the import graph reaches both test files.
    assert [t["path"] for t in coarse["targets"]] == [
        "tests/test_format.py",
        "tests/test_values.py",
    ]
    precise = affected(project, "pkg/fmt.py")
    assert precise["pytest_args"] == ["--ff", "tests/test_format.py::test_usage"]
    (target,) = precise["targets"]
    assert target["tests"] == [
        {
            "nodeid": "tests/test_format.py::test_usage",
            "reasons": ["executed `Formatter.write_usage` in pkg/fmt.py, changed"],
        }
    ]
    assert precise["notes"] == ["tests/test_values.py: none of its 2 tests ran what changed"]
    assert precise["summary"] == "1 test in 1 test file affected by pkg/fmt.py"


def test_a_session_fixtures_function_selects_every_test_using_it(tmp_path: Path) -> None:
    project = copy_project("call_map", tmp_path)
    run(project)
    edit(project / "pkg" / "util.py", "return 5", "return 6")
    precise = affected(project, "pkg/util.py")
    selected = sorted(t["nodeid"] for target in precise["targets"] for t in target["tests"])
    assert selected == ["tests/test_format.py::test_usage", "tests/test_values.py::test_shared"]
    # helper runs at import time: a change to it is module-level, as the graph says.
    edit(project / "pkg" / "util.py", "return x + 1", "return x + 2")
    precise = affected(project, "pkg/util.py")
    assert precise["pytest_args"] == ["--ff", "tests/test_format.py", "tests/test_values.py"]


def test_a_test_the_map_never_saw_is_still_selected(tmp_path: Path) -> None:
    project = copy_project("call_map", tmp_path)
    run(project, "tests/test_format.py::test_usage")  # test_help never ran traced
    edit(project / "pkg" / "fmt.py", '("a", "b")', '("a", "b")[:2]')
    precise = affected(project, "pkg/fmt.py")
    by_path = {t["path"]: t for t in precise["targets"]}
    # test_usage is proven unaffected; the rest of its file runs, test_help with it.
    assert by_path["tests/test_format.py"]["whole"] is True
    assert by_path["tests/test_format.py"]["deselected"] == 1
    assert "tests/test_values.py" in by_path  # never traced at all: as the graph says
    args = precise["pytest_args"]
    assert args[-2:] == ["--deselect", "tests/test_format.py::test_usage"]
    completed = cockpit("run", "--json", "--no-record", *args, cwd=project)
    payload = json.loads(completed.stdout)
    assert payload["totals"]["passed"] == 3, payload["totals"]
