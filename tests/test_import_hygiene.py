"""The core knows nothing of the terminal UI, by package rather than by a hand-kept list:
every module outside ``cockpit.app`` (and the app's own view-models, ``cockpit.app.views``)
imports in a fresh interpreter without Textual; the child plugin imports only the standard
library and pytest (it runs in the user's environment, which may not have cockpit)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import cockpit

# Not importable on their own: Alembic runs these inside its migration context.
NOT_IMPORTABLE = ("cockpit.store.migrations",)
SKIPPED = ("cockpit.demo_project", "cockpit.__main__")


def textual_free_modules() -> list[str]:
    names = []
    for module in pkgutil.walk_packages(cockpit.__path__, "cockpit."):
        name = module.name
        if name.startswith((*NOT_IMPORTABLE, *SKIPPED)):
            continue
        if name.startswith("cockpit.app") and not name.startswith("cockpit.app.views"):
            continue
        names.append(name)
    return sorted(names)


MODULES = textual_free_modules()


def imported_after(module: str) -> set[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


def test_the_walk_finds_every_stage() -> None:
    stages = {name.split(".")[1] for name in MODULES if name.count(".") >= 1}
    assert {"engine", "store", "rootcause", "isolation", "watch", "report", "session"} <= stages
    assert {"cli", "child", "app"} <= stages  # cockpit.app.views, and the launcher cli.app


@pytest.mark.parametrize("module", MODULES)
def test_the_core_imports_without_textual(module: str) -> None:
    loaded = imported_after(module)
    assert not {name for name in loaded if name == "textual" or name.startswith("textual.")}


def test_the_child_plugin_imports_only_the_standard_library_and_pytest() -> None:
    code = (
        "import sys, json, pytest; before = set(sys.modules); "
        "sys.path.insert(0, 'src/cockpit/child'); import cockpit_pytest_plugin; "
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
        "cockpit_orphan_watchdog",
        "cockpit_call_map",
        "cockpit_call_rewrite",
        "cockpit_event_fields",
        "cockpit_startup_errors",
        "cockpit_import_recorder",
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
