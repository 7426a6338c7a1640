"""Fixes tied to the change that made them, end to end with the real command line: logged
before and after the run that proves them, with and without git, with an edit reverted,
and a fix that made a module importable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cockpit, copy_project

pytestmark = pytest.mark.slow

NO_AUTOLOAD = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
MODELS = "app/models/__init__.py"


def run(project: Path, *args: str) -> None:
    completed = cockpit("run", "--python", sys.executable, *args, cwd=project, env=NO_AUTOLOAD)
    assert completed.returncode in (0, 1), completed.stderr


def fix_add(project: Path, title: str, *args: str) -> str:
    completed = cockpit("fix", "add", title, *args, cwd=project)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def fixes(project: Path) -> list[dict[str, Any]]:
    completed = cockpit("fix", "list", "--json", cwd=project)
    assert completed.returncode == 0, completed.stderr
    listed: list[dict[str, Any]] = json.loads(completed.stdout)
    return listed


def git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=project,
        check=True,
        capture_output=True,
    )


def broken_blog(tmp_path: Path, *, with_git: bool) -> Path:
    project = copy_project("app_small", tmp_path)
    if with_git:
        git(project, "init", "-q")
        git(project, "add", ".")
        git(project, "commit", "-qm", "start")
    return project


def import_tag(project: Path) -> None:
    models = project / MODELS
    models.write_text(models.read_text() + "from app.models.tag import Tag  # noqa: F401\n")


@pytest.mark.parametrize("with_git", [False, True], ids=["no-git", "git"])
def test_a_fix_logged_before_its_proving_run(tmp_path: Path, with_git: bool) -> None:
    project = broken_blog(tmp_path, with_git=with_git)
    run(project)
    import_tag(project)
    said = fix_add(project, "Import Tag")
    assert "after run 1" in said and "becomes its evidence" in said
    (fix,) = fixes(project)
    assert (fix["before_run"], fix["evidence_run"], fix["files"]) == (1, None, [MODELS])
    run(project, "tests/test_tags.py")
    (fix,) = fixes(project)
    assert fix["evidence_run"] == 2 and fix["flipped_count"] == 8
    assert fix["collection_errors_resolved"] == [] and fix["new_passing_count"] == 0


@pytest.mark.parametrize("with_git", [False, True], ids=["no-git", "git"])
def test_a_fix_logged_after_its_proving_run(tmp_path: Path, with_git: bool) -> None:
    project = broken_blog(tmp_path, with_git=with_git)
    util = project / "app" / "util.py"
    util.write_text(util.read_text() + "\n# work in progress, not part of any fix\n")
    run(project)  # the dirty util.py is already in run 1: git would still call it changed
    import_tag(project)
    run(project, "tests/test_posts.py", "tests/test_tags.py")
    said = fix_add(project, "Import Tag")
    assert "run 1 before it, run 2 proves it (20 tests flipped to pass)" in said
    (fix,) = fixes(project)
    assert (fix["before_run"], fix["evidence_run"], fix["files"]) == (1, 2, [MODELS])
    assert fix["flipped_count"] == 20
    assert set(fix["flipped_to_pass"]) == {"tests/test_posts.py", "tests/test_tags.py"}


def test_an_edit_reverted_after_the_proving_run_is_not_credited(tmp_path: Path) -> None:
    project = broken_blog(tmp_path, with_git=False)
    run(project)
    util = project / "app" / "util.py"
    original = util.read_text()
    util.write_text(original + "\nDEBUG = True\n")
    import_tag(project)
    run(project, "tests/test_tags.py")  # proves it, with both edits in
    util.write_text(original)
    run(project, "tests/test_util.py")
    fix_add(project, "Import Tag")
    (fix,) = fixes(project)
    assert (fix["before_run"], fix["evidence_run"], fix["files"]) == (1, 2, [MODELS])


def test_an_edit_reverted_before_the_proving_run_is_not_credited(tmp_path: Path) -> None:
    project = broken_blog(tmp_path, with_git=False)
    run(project)
    models, util = project / MODELS, project / "app" / "util.py"
    original = util.read_text()
    models.write_text(models.read_text() + "# Tag is defined in app/models/tag.py\n")
    util.write_text(original + "\nDEBUG = True\n")
    run(project, "tests/test_tags.py")  # still failing: the fix in progress
    util.write_text(original)
    import_tag(project)
    run(project, "tests/test_tags.py")
    fix_add(project, "Import Tag")
    (fix,) = fixes(project)
    assert (fix["before_run"], fix["evidence_run"], fix["files"]) == (1, 3, [MODELS])
    assert fix["flipped_count"] == 8


def test_a_second_fix_starts_after_the_first_ones_evidence(tmp_path: Path) -> None:
    project = broken_blog(tmp_path, with_git=False)
    run(project)
    import_tag(project)
    run(project, "tests/test_tags.py")
    fix_add(project, "Import Tag")
    util = project / "app" / "util.py"
    util.write_text(util.read_text().replace('+ " ..."', '+ " …"'))
    run(project, "tests/test_util.py")
    fix_add(project, "Ellipsis", "--files", "app/util.py")
    first, second = fixes(project)
    assert (first["before_run"], first["evidence_run"]) == (1, 2)
    assert (second["before_run"], second["files"]) == (2, ["app/util.py"])


def test_a_fix_that_made_a_module_importable(tmp_path: Path) -> None:
    project = copy_project("fix_import", tmp_path)
    run(project)
    text = project / "app" / "text.py"
    text.write_text(
        text.read_text() + "\n\ndef title(text: str) -> str:\n    return text.title()\n"
    )
    run(project, "tests/test_text.py")
    said = fix_add(project, "Define title()")
    assert "1 collection error resolved, 4 new tests passing" in said
    (fix,) = fixes(project)
    assert (fix["before_run"], fix["evidence_run"], fix["files"]) == (1, 2, ["app/text.py"])
    assert fix["flipped_count"] == 0
    assert fix["collection_errors_resolved"] == ["tests/test_text.py"]
    assert fix["new_passing_count"] == 4
    listing = cockpit("fix", "list", cwd=project, env={"COLUMNS": "200"}).stdout
    assert "1 collection error resolved, 4 new tests passing" in listing
