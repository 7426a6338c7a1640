"""The core knows nothing of the terminal UI: each module imports without Textual, and the
child plugin imports only the standard library and pytest (it runs in the user's venv)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CORE = [
    "cockpit.events",
    "cockpit.state",
    "cockpit.runner",
    "cockpit.command",
    "cockpit.diff",
    "cockpit.rootcause.clusters",
    "cockpit.store.session_log",
    "cockpit.store.recorder",
    "cockpit.store.sources",
    "cockpit.store.isolation_log",
    "cockpit.isolate",
    "cockpit.isolation_runner",
    "cockpit.report.collect",
    "cockpit.report.markdown",
    "cockpit.watch.affected",
    "cockpit.watch.loop",
    "cockpit.app.run_view",
    "cockpit.app.controller",
    "cockpit.app.log_reader",
    "cockpit.cli",
]


def imported_after(module: str) -> set[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module", CORE)
def test_the_core_imports_without_textual(module: str) -> None:
    loaded = imported_after(module)
    assert not {name for name in loaded if name == "textual" or name.startswith("textual.")}


def test_the_child_plugin_imports_only_the_standard_library_and_pytest() -> None:
    code = (
        "import sys, json, pytest; before = set(sys.modules); "
        "sys.path.insert(0, 'src/cockpit/_child'); import cockpit_pytest_plugin; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    third_party = {
        name.split(".")[0]
        for name in json.loads(out)
        if name.split(".")[0] not in sys.stdlib_module_names
    }
    assert third_party <= {
        "cockpit_pytest_plugin",
        "_pytest",
        "pytest",
        "pluggy",
        "iniconfig",
        "packaging",
        "py",
        "exceptiongroup",
        "tomli",
        "_virtualenv",
    }
