"""Root causes on small real projects, through the real ``cockpit`` command line: a conftest
that cannot import, a deeper one, a broken plugin, an invalid configuration, a helper
whose wrong value fails many tests through different assertions, a CLI runner that
swallows the exception, and parametrized variants whose messages list names."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers import cockpit, cockpit_json, copy_project

pytestmark = pytest.mark.slow

NO_AUTOLOAD = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
"""For the pytest children: this venv's plugins cost each of them about a second of CPU."""


def run(project: Path, *args: str) -> tuple[int, str, str]:
    completed = cockpit("run", "--python", sys.executable, *args, cwd=project, env=NO_AUTOLOAD)
    return completed.returncode, completed.stdout, completed.stderr


def clusters(project: Path) -> list[dict[str, object]]:
    completed = cockpit("clusters", "--json", cwd=project)
    assert completed.returncode == 0, completed.stderr
    found: list[dict[str, object]] = json.loads(completed.stdout)
    return found


def test_a_conftest_that_cannot_import_is_its_own_outcome_and_root_cause(
    tmp_path: Path,
) -> None:
    project = copy_project("conftest_import", tmp_path)
    code, data = cockpit_json(cwd=project, env=NO_AUTOLOAD)
    assert (code, data["outcome"]) == (4, "conftest-error")  # pytest's exit code, kept
    assert data["totals"] == dict.fromkeys(data["totals"], 0)  # pytest counted nothing
    assert data["collection_errors"] == [
        {
            "path": "tests/",
            "line": None,
            "message": "NameError: name 'weakref' is not defined",
            "kind": "conftest",
            "source": "tests/conftest.py",
        }
    ]
    startup = data["startup_error"]
    assert (startup["kind"], startup["conftest"]) == ("conftest", "tests/conftest.py")
    assert "app/core.py:6: in __init__" in startup["traceback"]
    assert data["error"] == (
        "tests/conftest.py failed to import: NameError: name 'weakref' is not defined; no test ran"
    )

    code, out, err = run(project)
    assert code == 4
    assert "ImportError while loading conftest 'tests/conftest.py'" in out  # pytest's words
    assert "tests/conftest.py:3: in <module>" in out and "raised in app/core.py:6" in out
    assert "_pytest" not in out and "pluggy" not in out
    assert "add `import weakref` at the top of app/core.py" in " ".join(out.split())
    assert "no tests ran" in out and "(conftest-error)" in out
    assert err.startswith("cockpit: tests/conftest.py failed to import")

    [cause] = clusters(project)
    assert cause["signature"] == "NameError: name 'weakref' is not defined @ app/core.py:6"
    assert cause["outcomes"] == {"conftest error": 1}
    assert cause["modules"] == ["tests/"] and cause["raised_in"] == "app/core.py:6"
    assert cause["hint_rule"] == "name-not-imported"
    assert "app/core.py:6 uses weakref" in str(cause["hint"])

    export = cockpit("export", "-o", "-", cwd=project).stdout
    assert "## Conftest and plugin errors" in export
    assert "### The conftest `tests/conftest.py` failed to import" in export
    assert "pytest stopped before running any test (runs 1, 2); still failing" in export


def test_a_deeper_conftest_fails_its_folder_and_the_rest_runs(tmp_path: Path) -> None:
    project = copy_project("deep_conftest", tmp_path)
    code, data = cockpit_json(cwd=project, env=NO_AUTOLOAD)
    assert (code, data["outcome"]) == (1, "failed")
    assert data["totals"]["passed"] == 2 and data["totals"]["errors"] == 1  # as pytest says
    [error] = data["collection_errors"]
    assert (error["path"], error["kind"], error["source"]) == (
        "tests/broken/",
        "conftest",
        "tests/broken/conftest.py",
    )
    [cause] = clusters(project)
    assert cause["outcomes"] == {"conftest error": 1}


def test_a_plugin_that_cannot_import_names_itself(tmp_path: Path) -> None:
    project = copy_project("bad_plugin", tmp_path)
    code, data = cockpit_json("-p", "badplugin", cwd=project, env=NO_AUTOLOAD)
    assert data["outcome"] == "plugin-error" and code != 0
    assert data["error"] == (
        "the pytest plugin badplugin failed to import: "
        "NameError: name 'DEFAULT_TIMEOUT' is not defined"
    )
    assert data["collection_errors"][0]["path"] == "-p badplugin"
    # Named in addopts, it is imported before cockpit's plugin: pytest's stderr tells it.
    code, data = cockpit_json("-c", "addopts.ini", cwd=project, env=NO_AUTOLOAD)
    assert data["outcome"] == "plugin-error"
    assert data["startup_error"]["plugin"] == "badplugin"
    assert "DEFAULT_TIMEOUT" in data["startup_error"]["message"]


def test_an_invalid_configuration_is_one_line_naming_the_file_and_option(
    tmp_path: Path,
) -> None:
    project = copy_project("bad_config", tmp_path)
    code, _, err = run(project)
    assert code == 4
    assert err.strip() == (
        "cockpit: pytest.ini: addopts holds options pytest does not know: --no-such-option "
        "(a plugin that is not installed?)"
    )
    code, _, err = run(project, "-c", "strict.ini")
    assert code == 4
    assert err.strip() == (
        "cockpit: strict.ini: unknown option timeout_seconds (refused under --strict-config)"
    )


def break_helper(project: Path, path: str, old: str, new: str) -> None:
    file = project / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


def test_a_wrong_value_in_a_helper_is_one_root_cause(tmp_path: Path) -> None:
    project = copy_project("wrong_value", tmp_path)
    assert run(project)[0] == 0
    break_helper(project, "app/text.py", 'return "-".join', 'return " ".join')
    code, out, _ = run(project)
    assert code == 1
    assert "8 x broke after changing app/text.py (join_words)" in out
    causes = clusters(project)
    assert [(c["signature"], c["count"]) for c in causes] == [
        ("broke after changing app/text.py (join_words)", 8),
        ("AssertionError @ tests/test_pages.py:23", 3),  # a signature cluster stays as it is
    ]
    regression = causes[0]["regression"]
    assert regression == {
        "since_runs": [1],
        "files": [{"path": "app/text.py", "functions": ["join_words"], "line": 4, "kept": True}],
    }
    assert causes[0]["location"] == "app/text.py:4" and causes[0]["hint_rule"] == "regression"
    tests = [test for cause in causes for test in cause["tests"]]  # type: ignore[union-attr]
    assert len(tests) == len(set(tests)) == 11  # each failure in exactly one root cause
    # A rerun keeps it (the tests last passed in run 1), and the export agrees.
    run(project)
    assert clusters(project)[0]["signature"] == "broke after changing app/text.py (join_words)"
    export = cockpit("export", "-o", "-", cwd=project).stdout
    assert "| 8 | `broke after changing app/text.py (join_words)` | 8 failed | 2 |" in export


def test_a_cli_runner_swallowing_the_exception_leads_to_the_changed_file(
    tmp_path: Path,
) -> None:
    project = copy_project("cli_runner", tmp_path)
    assert run(project)[0] == 0
    break_helper(project, "app/cli.py", "import json\n", "")
    run(project)
    [cause] = clusters(project)
    assert cause["signature"] == "broke after changing app/cli.py (imports)"
    assert cause["count"] == 4 and cause["outcomes"] == {"failed": 4}


def test_parametrized_variants_listing_names_are_one_family(tmp_path: Path) -> None:
    project = copy_project("param_names", tmp_path)
    assert run(project)[0] == 1
    [cause] = clusters(project)
    assert cause["count"] == 3
    assert cause["signature"] == "TypeError: Unannotated attributes: <names>. @ app/models.py:7"
