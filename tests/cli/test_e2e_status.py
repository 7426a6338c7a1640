"""``cockpit status`` end to end: real runs recorded by the real command line, then the
session picture read back headless, as JSON and as text."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cockpit, copy_project, heavy_imports

pytestmark = pytest.mark.slow

NO_AUTOLOAD = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def run(project: Path, *args: str) -> None:
    completed = cockpit("run", "--python", sys.executable, *args, cwd=project, env=NO_AUTOLOAD)
    assert completed.returncode in (0, 1), completed.stderr


def status(project: Path) -> dict[str, Any]:
    completed = cockpit("status", "--json", cwd=project)
    assert completed.returncode == 0, completed.stderr
    data: dict[str, Any] = json.loads(completed.stdout)
    return data


def by_path(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {module["path"]: module for module in data["modules"]}


def test_a_subset_rerun_updates_its_module_and_the_others_stay_marked_stale(
    tmp_path: Path,
) -> None:
    project = copy_project("app_small", tmp_path)
    run(project)
    models = project / "app" / "models" / "__init__.py"
    models.write_text(models.read_text() + "from app.models.tag import Tag  # noqa: F401\n")
    run(project, "tests/test_tags.py")
    data = status(project)
    modules = by_path(data)
    assert set(modules) == {"tests/test_posts.py", "tests/test_tags.py", "tests/test_util.py"}
    tags, posts, util = (modules[f"tests/test_{n}.py"] for n in ("tags", "posts", "util"))
    assert (tags["passed"], tags["tests"], tags["runs"], tags["stale"]) == (8, 8, [2], False)
    assert (posts["passed"], posts["failing"] != [], posts["runs"]) == (0, True, [1])
    assert posts["stale"] is True  # it imports app.models, changed since run 1
    assert util["stale"] is True  # conftest.py imports app.models: every test under it
    assert {test["run"] for test in posts["failing"]} == {1}
    assert data["totals"]["tests"] == 25 and data["totals"]["passed"] == 13
    assert data["totals"]["stale_modules"] == 2
    assert data["last_whole_suite_run"]["id"] == data["baseline_run"]["id"] == 1
    assert data["latest_run"]["selection"] == "subset: tests/test_tags.py"

    run(project, "tests/test_posts.py", "tests/test_util.py")
    data = status(project)
    assert data["totals"]["passed"] == 25 and data["totals"]["stale_modules"] == 0
    assert data["last_whole_suite_run"]["id"] == 1  # still: no whole-suite run since
    text = cockpit("status", cwd=project, env={"COLUMNS": "80"}).stdout
    assert "latest known state: 25 passed of 25 tests in 3 modules" in text
    assert "last whole-suite run: run 1" in text
    # at 80 columns every module row is one line with its whole path and its run
    rows = [line.split() for line in text.splitlines() if line.lstrip().startswith("tests/")]
    assert sorted(row[0] for row in rows) == sorted(modules)
    assert all(row[-3:-1] == ["run", "3"] for row in rows if row[0] != "tests/test_tags.py")


def test_a_module_that_did_not_import_stays_until_a_run_imports_it(tmp_path: Path) -> None:
    project = copy_project("collection_error", tmp_path)
    run(project)
    run(project, "tests/test_good_a.py")
    modules = by_path(status(project))
    assert modules["tests/test_syntax.py"]["collection_error"] == "SyntaxError: expected ':'"
    assert modules["tests/test_syntax.py"]["runs"] == [1]
    syntax = project / "tests" / "test_syntax.py"
    syntax.write_text(syntax.read_text().replace("> 2\n", "> 2:\n"))
    run(project, "tests/test_syntax.py")
    module = by_path(status(project))["tests/test_syntax.py"]
    assert (module["collection_error"], module["passed"], module["runs"]) == (None, 1, [3])
    assert by_path(status(project))["tests/test_import.py"]["collection_error"]


def test_status_on_sqlite_imports_neither_sqlalchemy_nor_rich(tmp_path: Path) -> None:
    project = copy_project("app_small", tmp_path)
    run(project)
    completed, heavy = heavy_imports("status", "--json", "--project", str(project))
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["totals"]["tests"] == 25
    assert set(heavy) <= {"dataclasses"}  # the import graph's, when files changed since


def test_status_without_a_log_or_with_an_unknown_session_is_one_line(tmp_path: Path) -> None:
    project = copy_project("app_small", tmp_path)
    missing = cockpit("status", cwd=project)
    assert missing.returncode == 8 and "no session log" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    run(project, "tests/test_util.py")
    unknown = cockpit("status", "--session", "9", cwd=project)
    assert unknown.returncode == 4 and "no session 9" in unknown.stderr
    data = status(project)
    assert data["last_whole_suite_run"] is None and data["totals"]["tests"] == 5
    text = cockpit("status", cwd=project).stdout
    assert "no whole-suite run finished in this session" in text
