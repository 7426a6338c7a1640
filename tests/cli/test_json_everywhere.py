"""Every session-log command takes ``--json``; ``run --json`` tells the deselected count and
each collection error's file and line; ``known add`` works while a module fails to collect;
xdist over execnet gateways streams every result with its worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import cockpit, cockpit_json, command_json, copy_project, run_pytest

pytestmark = pytest.mark.slow


def test_every_session_log_command_answers_in_json(tmp_path: Path) -> None:
    project = copy_project("collection_error", tmp_path)
    session = command_json(project, "session", "start", "Fix the imports")
    assert session["title"] == "Fix the imports" and session["ended_at"] is None
    code, run = cockpit_json("-k", "not membership", cwd=project)
    assert code == 1 and run["deselected"] == 1
    errors = {e["path"]: e for e in run["collection_errors"]}
    assert errors["tests/test_import.py"]["line"] == 1  # the import that fails
    assert errors["tests/test_syntax.py"]["line"] == 3  # the line without its colon
    fix = command_json(project, "fix", "add", "Drop the missing import", "--files", "tests/x.py")
    assert fix["title"] == "Drop the missing import" and fix["before_run"] == run["run_id"]
    known = command_json(
        project,
        "known",
        "add",
        "Slow upper",
        "--tests",
        "tests/test_good_a.py::test_upper",
        "--workaround",
        "-k 'not upper'",
        "--python",
        sys.executable,
    )
    assert known["deselected"] == ["tests/test_good_a.py::test_upper"]
    note = command_json(project, "note", "the syntax error is a typo")
    assert note["text"] == "the syntax error is a typo"
    (listed,) = command_json(project, "runs")
    assert listed["deselected"] == 1 and listed["notices"] == []
    assert [f["id"] for f in command_json(project, "fix", "list")] == [fix["id"]]
    assert [k["id"] for k in command_json(project, "known", "list")] == [known["id"]]
    assert (
        command_json(project, "history", "tests/test_good_a.py::test_upper")[0]["outcome"]
        == "passed"
    )
    signatures = [c["signature"] for c in command_json(project, "clusters")]
    assert any(s.startswith("SyntaxError: expected") for s in signatures), signatures
    ended = command_json(project, "session", "end")
    assert ended["id"] == session["id"] and ended["ended_at"] is not None and ended["runs"] == 1
    assert [s["id"] for s in command_json(project, "session", "list")] == [session["id"]]


def test_known_add_while_another_module_fails_to_collect(tmp_path: Path) -> None:
    project = copy_project("collection_error", tmp_path)
    python = ("--python", sys.executable)
    added = cockpit(
        "known", "add", "t", "--tests", "tests/test_good_b.py::test_join",
        "--workaround", "-k 'not join'", *python, cwd=project,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "deselects 1 test\n" in added.stdout
    in_broken = cockpit(
        "known", "add", "t", "--tests", "tests/test_import.py::test_x",
        "--workaround", "-k 'not x'", *python, cwd=project,
    )  # fmt: skip
    assert in_broken.returncode == 4
    assert in_broken.stderr.strip().splitlines() == [
        "cockpit: tests/test_import.py:1 (ModuleNotFoundError: No module named "
        "'nonexistent_dependency_xyz') fails to collect, so cockpit cannot check a workaround "
        "for tests/test_import.py::test_x; fix the module first"
    ]
    (project / "tests" / "conftest.py").write_text("import no_such_plugin_module\n")
    broken = cockpit(
        "known", "add", "t", "--tests", "tests/test_good_b.py::test_join",
        "--workaround", "-k 'not join'", *python, cwd=project,
    )  # fmt: skip
    assert broken.returncode == 4
    (line,) = broken.stderr.strip().splitlines()
    assert line.startswith("cockpit: collecting the tests to check the workaround failed: ")
    assert "no_such_plugin_module" in line


def test_xdist_over_execnet_gateways_counts_as_bare_pytest(tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    project = copy_project("outcomes", tmp_path)
    gateways = ("--tx", "2*popen", "--dist", "load", "-p", "no:randomly")
    code, report = cockpit_json(*gateways, cwd=project)
    bare = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *gateways],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    closing = bare.stdout.strip().splitlines()[-1]
    expected: dict[str, int] = {}
    for part in closing.split(" in ")[0].split(", "):
        count, word = part.split(" ", 1)
        expected[{"error": "errors", "warning": "warnings"}.get(word, word)] = int(count)
    for key in ("passed", "failed", "errors", "skipped", "xfailed", "xpassed"):
        assert report["totals"][key] == expected.get(key, 0), (key, closing)
    assert code == bare.returncode == 1
    result = run_pytest(project, *gateways)
    assert result.state.session is not None and result.state.session.workers == 2
    workers = {record.worker for record in result.state.tests.values()}
    assert workers <= {"gw0", "gw1"} and None not in workers and len(workers) == 2
