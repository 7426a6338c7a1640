"""``cockpit run`` end to end: the real CLI, real pytest children, small real projects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import cockpit, cockpit_json, copy_project

pytestmark = pytest.mark.slow


@pytest.fixture(params=["cold", "warm"])
def start(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """Every run both ways: a fresh interpreter, and forked from a warm server (--warm)."""
    return ("--warm",) if request.param == "warm" else ()


def test_missing_sqlalchemy_import_fails_hundreds_then_fix_passes_all(
    tmp_path: Path, start: tuple[str, ...]
) -> None:
    project = copy_project("sqla_missing_import", tmp_path)
    code, report = cockpit_json(*start, cwd=project)
    assert code == 1 and report["outcome"] == "failed"
    totals = report["totals"]
    assert totals["failed"] + totals["errors"] >= 300
    assert totals["passed"] == 5
    modules = {m["path"]: m for m in report["modules"]}
    assert modules["tests/test_util.py"]["passed"] == 5
    assert modules["tests/test_posts.py"]["failed"] + modules["tests/test_posts.py"]["errors"] > 0

    init = project / "app" / "models" / "__init__.py"
    init.write_text(init.read_text() + "\nfrom app.models.tag import Tag  # noqa: F401\n")
    code, fixed = cockpit_json(*start, cwd=project)
    assert code == 0 and fixed["outcome"] == "passed"
    assert fixed["totals"]["passed"] == totals["passed"] + totals["failed"] + totals["errors"]


def test_collection_errors_count_once_per_module_and_hide_nothing(
    tmp_path: Path, start: tuple[str, ...]
) -> None:
    project = copy_project("collection_error", tmp_path)
    code, report = cockpit_json(*start, cwd=project)
    assert code == 1
    assert report["totals"]["passed"] == 5 and report["totals"]["errors"] == 2
    errors = {e["path"]: e["message"] for e in report["collection_errors"]}
    assert set(errors) == {"tests/test_syntax.py", "tests/test_import.py"}
    assert (
        "SyntaxError" in errors["tests/test_syntax.py"]
        or "invalid" in errors["tests/test_syntax.py"]
    )
    assert "nonexistent_dependency_xyz" in errors["tests/test_import.py"]
    modules = {m["path"]: m for m in report["modules"]}
    assert modules["tests/test_syntax.py"]["errors"] == 1
    assert modules["tests/test_good_a.py"]["passed"] == 3


def test_syntax_error_is_one_clear_line_in_the_live_output(tmp_path: Path) -> None:
    project = copy_project("collection_error", tmp_path)
    completed = cockpit("run", "--python", sys.executable, cwd=project)
    assert completed.returncode == 1
    assert "ERROR collecting tests/test_syntax.py" in completed.stdout
    assert "Traceback" not in completed.stderr


def test_counts_equal_pytest_for_every_outcome(tmp_path: Path, start: tuple[str, ...]) -> None:
    project = copy_project("outcomes", tmp_path)
    code, report = cockpit_json(*start, cwd=project)
    plain = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    closing = plain.stdout.strip().splitlines()[-1]
    expected = {}
    for part in closing.split(" in ")[0].split(", "):
        count, word = part.split(" ", 1)
        word = {"error": "errors", "warning": "warnings"}.get(word, word)
        expected[word] = int(count)
    for key in ("passed", "failed", "errors", "skipped", "xfailed", "xpassed"):
        assert report["totals"][key] == expected.get(key, 0), (key, closing)
    assert code == plain.returncode == 1


@pytest.mark.parametrize("workers", ["2"])
def test_xdist_counts_equal_plain_run(tmp_path: Path, workers: str, start: tuple[str, ...]) -> None:
    pytest.importorskip("xdist")
    project = copy_project("sqla_missing_import", tmp_path)
    _, serial = cockpit_json(*start, cwd=project)
    code, parallel = cockpit_json(*start, "-n", workers, cwd=project)
    assert parallel["totals"] == serial["totals"]
    assert code == 1


@pytest.mark.parametrize(
    ("selection", "crashed"),
    [
        ("before or segfault", "tests/test_crash.py::test_segfault"),
        ("before or os_exit", "tests/test_crash.py::test_os_exit"),
        ("before or sigkill", "tests/test_crash.py::test_sigkill"),
    ],
)
def test_interpreter_crash_names_the_test_and_keeps_results(
    tmp_path: Path, selection: str, crashed: str, start: tuple[str, ...]
) -> None:
    project = copy_project("crash", tmp_path)
    code, report = cockpit_json(*start, "-k", selection, cwd=project)
    assert code == 6
    assert report["outcome"] == "crashed"
    assert report["crashed_test"] == crashed
    assert report["totals"]["passed"] == 1  # test_before's result was kept
    assert report["totals"]["failed"] == 1
    assert "pytest process" in report["error"]


def test_usage_errors_are_one_line_with_pytest_exit_codes(tmp_path: Path) -> None:
    project = copy_project("collection_error", tmp_path)
    unknown = cockpit("run", "--python", sys.executable, "--no-such-option", cwd=project)
    assert unknown.returncode == 4
    assert unknown.stderr.strip() == "cockpit: unrecognized arguments: --no-such-option"
    missing = cockpit("run", "--python", sys.executable, "tests/nothere.py", cwd=project)
    assert missing.returncode == 4
    assert missing.stderr.strip() == "cockpit: file or directory not found: tests/nothere.py"


def test_folder_without_tests_exits_5(tmp_path: Path, start: tuple[str, ...]) -> None:
    project = copy_project("empty", tmp_path)
    code, report = cockpit_json(*start, cwd=project)
    assert code == 5 and report["outcome"] == "no-tests"
    plain = cockpit("run", "--python", sys.executable, cwd=project)
    assert plain.returncode == 5
    assert "no tests ran" in plain.stdout


def test_interpreter_without_pytest(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    project = copy_project("collection_error", tmp_path)
    completed = cockpit("run", "--python", str(bare), cwd=project)
    assert completed.returncode == 7
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "has no pytest" in lines[0], completed.stderr


def test_project_venv_is_used_even_without_cockpit_installed(tmp_path: Path) -> None:
    """A project .venv that has pytest but not cockpit: the plugin comes via PYTHONPATH."""
    project = copy_project("collection_error", tmp_path)
    venv = project / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # pytest (and its dependencies) from this environment; .pth files there are not read,
    # so cockpit's editable install stays invisible to the project's interpreter.
    pytest_home = Path(pytest.__file__).resolve().parent.parent
    (Path(site) / "borrowed_pytest.pth").write_text(f"{pytest_home}\n")
    # cockpit.cli, not cockpit: an editable install leaves a cockpit/themes folder (the
    # wheel's copy of the top-level themes/) in site-packages, a namespace package of its own.
    probe = subprocess.run([python, "-c", "import cockpit.cli"], capture_output=True, cwd=tmp_path)
    assert probe.returncode != 0, "the project venv must not see cockpit"
    completed = cockpit("run", "--json", cwd=project)
    report = json.loads(completed.stdout)
    assert report["totals"]["passed"] == 5


def test_missing_python_is_one_line(tmp_path: Path) -> None:
    completed = cockpit("run", "--python", str(tmp_path / "nope"), cwd=tmp_path)
    assert completed.returncode == 7
    assert completed.stderr.strip().startswith("cockpit: --python")
    assert "Traceback" not in completed.stderr


def test_unknown_command_and_version(tmp_path: Path) -> None:
    unknown = cockpit("frobnicate", cwd=tmp_path)
    assert unknown.returncode == 4 and "unknown command" in unknown.stderr
    version = cockpit("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("cockpit ")


def test_data_dir_is_git_ignored(tmp_path: Path) -> None:
    project = copy_project("collection_error", tmp_path)
    cockpit_json(cwd=project)
    assert (project / ".cockpit" / ".gitignore").read_text().strip().endswith("*")


def test_demo_runs_the_example_backend(tmp_path: Path) -> None:
    completed = cockpit("demo", "--json", cwd=tmp_path, env={"TMPDIR": str(tmp_path)})
    report = json.loads(completed.stdout)
    assert completed.returncode == 1
    assert report["totals"]["errors"] + report["totals"]["failed"] >= 150
    assert report["totals"]["passed"] >= 30
    assert "example backend copied to" in completed.stderr
