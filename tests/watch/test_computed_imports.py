"""Imports by computed name: runs record what they load, and the selection stops
widening where a complete run has shown everything (real cockpit runs, real pytest)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cockpit.watch.affected import AffectedSelector
from tests.helpers import cockpit, copy_project, run_pytest

pytestmark = pytest.mark.slow


def selected(project: Path, changed: str) -> list[str]:
    selection = AffectedSelector(project).select([project / changed])
    assert not selection.everything, selection.why_everything
    return [target.path for target in selection.targets]


def run(project: Path, *args: str) -> None:
    completed = cockpit(
        "run", "--json", "--no-record", "--python", sys.executable, *args, cwd=project
    )
    assert completed.returncode == 0, completed.stderr


def test_a_complete_run_shows_what_each_computed_import_loads(tmp_path: Path) -> None:
    project = copy_project("computed_imports", tmp_path)
    # Before any run: app/registry.py may load anything, so its tests run for every change.
    assert selected(project, "app/plain.py") == ["tests/test_plain.py", "tests/test_registry.py"]
    run(project)
    edges = json.loads((project / ".cockpit" / "computed-imports.json").read_text())["edges"]
    # import_module("app.handlers." + name), __import__(..., fromlist=[name]), and b, which
    # test_cached.py had imported already: every call is recorded, not only first loads.
    assert edges == {
        "app/registry.py": [
            "app/handlers/__init__.py",
            "app/handlers/a.py",
            "app/handlers/b.py",
            "app/handlers/c.py",
        ]
    }
    assert selected(project, "app/plain.py") == ["tests/test_plain.py"]
    assert selected(project, "app/handlers/a.py") == ["tests/test_registry.py"]
    assert selected(project, "app/handlers/b.py") == [
        "tests/test_cached.py",
        "tests/test_registry.py",
    ]
    reasons = AffectedSelector(project).select([project / "app/handlers/c.py"]).targets[0].reasons
    assert reasons == ("imports app.handlers.c through app/registry.py",)


def test_an_edited_loader_widens_again_until_the_next_complete_run(tmp_path: Path) -> None:
    project = copy_project("computed_imports", tmp_path)
    run(project)
    registry = project / "app" / "registry.py"
    registry.write_text(registry.read_text() + "\n# edited\n")
    assert selected(project, "app/plain.py") == ["tests/test_plain.py", "tests/test_registry.py"]
    run(project, "tests/test_registry.py")  # a subset run adds edges, but proves nothing
    assert selected(project, "app/plain.py") == ["tests/test_plain.py", "tests/test_registry.py"]
    run(project)
    assert selected(project, "app/plain.py") == ["tests/test_plain.py"]


def test_a_run_under_xdist_does_not_count_as_complete(tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    project = copy_project("computed_imports", tmp_path)
    run(project, "-n", "2")
    assert selected(project, "app/plain.py") == ["tests/test_plain.py", "tests/test_registry.py"]


def test_the_recording_wrappers_stay_out_of_the_tracebacks(tmp_path: Path) -> None:
    """A failing computed import reads as it would without cockpit: no frame of its own."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "loader.py").write_text(
        "import importlib\n\n\ndef by_name(name):\n    return importlib.import_module(name)\n\n\n"
        "def by_dunder(name):\n    return __import__(name)\n"
    )
    (tmp_path / "test_missing.py").write_text(
        "from loader import by_dunder, by_name\n\n\ndef test_name():\n    by_name('nope_x')\n\n\n"
        "def test_dunder():\n    by_dunder('nope_y')\n"
    )
    result = run_pytest(tmp_path)
    assert result.state.totals.failed == 2
    for name, missing in (("test_name", "nope_x"), ("test_dunder", "nope_y")):
        failure = result.state.tests[f"test_missing.py::{name}"].failure
        assert failure is not None and failure.longrepr is not None
        assert f"No module named '{missing}'" in failure.longrepr
        assert "cockpit_import_recorder" not in failure.longrepr
