"""Reading what stops pytest before or while it collects, from the texts pytest prints."""

from __future__ import annotations

from pathlib import Path

from cockpit.engine.events import CollectionError, StartupError
from cockpit.engine.setup_errors import (
    blocked_folder,
    config_error_line,
    conftest_of,
    describe,
    find_inifile,
    startup_from_stderr,
)
from cockpit.engine.state import RunOutcome, RunState, recorded_state

SITE = "/venv/lib/python3.11/site-packages"

CONFTEST_STDERR = """ImportError while loading conftest '/p/tests/conftest.py'.
tests/conftest.py:2: in <module>
    from app.core import REGISTRY
app/core.py:4: in make
    return weakref.ref(make)
           ^^^^^^^
E   NameError: name 'weakref' is not defined
"""
PLUGIN_STDERR_9 = """Error while loading plugin "badplugin".
badplugin.py:2: in <module>
    x = undefined_name
        ^^^^^^^^^^^^^^
E   NameError: name 'undefined_name' is not defined
"""
NATIVE_STDERR = f"""Traceback (most recent call last):
  File "{SITE}/_pytest/config/__init__.py", line 860, in import_plugin
    __import__(importspec)
  File "/p/badplugin.py", line 2, in <module>
    x = undefined_name
NameError: name 'undefined_name' is not defined
"""
WRAPPED_STDERR = f"""Traceback (most recent call last):
  File "{SITE}/_pytest/config/__init__.py", line 826, in consider_module
  File "/p/tests/conftest.py", line 1, in <module>
    pytest_plugins = ["app.fixtures"]
ImportError: Error importing plugin "app.fixtures": No module named 'app.missing'
"""


def test_pytest_own_words_give_the_conftest_or_plugin() -> None:
    conftest = startup_from_stderr(CONFTEST_STDERR, "/p")
    assert conftest is not None
    assert (conftest.what, conftest.conftest, conftest.exception) == (
        "conftest",
        "tests/conftest.py",
        "NameError",
    )
    assert conftest.longrepr.startswith("tests/conftest.py:2: in <module>")
    assert describe(conftest) == (
        "tests/conftest.py failed to import: NameError: name 'weakref' is not defined; no test ran"
    )
    plugin = startup_from_stderr(PLUGIN_STDERR_9, "/p")
    assert plugin is not None and (plugin.what, plugin.plugin) == ("plugin", "badplugin")
    native = startup_from_stderr(NATIVE_STDERR, "/p")
    assert native is not None and (native.plugin, native.message) == (
        "badplugin",
        "name 'undefined_name' is not defined",
    )
    wrapped = startup_from_stderr(WRAPPED_STDERR, "/p")
    assert wrapped is not None
    assert (wrapped.plugin, wrapped.conftest, wrapped.message) == (
        "app.fixtures",
        "tests/conftest.py",
        "No module named 'app.missing'",
    )
    assert "named in tests/conftest.py's pytest_plugins" in describe(wrapped)
    assert startup_from_stderr("Traceback (most recent call last):\nValueError: x\n", "/p") is None
    assert startup_from_stderr("ERROR: file or directory not found: x\n", "/p") is None


def test_a_folder_error_through_its_conftest_is_a_conftest_error() -> None:
    longrepr = (
        f"{SITE}/_pytest/assertion/rewrite.py:186: in exec_module\n"
        "tests/sub/conftest.py:2: in <module>\n    from json import nothing\nE   ImportError: x"
    )
    assert conftest_of("tests/sub", longrepr) == "tests/sub/conftest.py"
    assert conftest_of("tests/sub/__init__.py", longrepr) == "tests/sub/conftest.py"
    assert conftest_of("tests/test_a.py", longrepr) is None  # a module's own import error
    assert conftest_of("tests/other", longrepr) is None
    assert blocked_folder("tests/sub/conftest.py") == "tests/sub/"
    assert blocked_folder("conftest.py") == "./"


def test_a_startup_error_counts_nothing_and_blocks_its_folder() -> None:
    state = RunState()
    state.apply(StartupError("conftest", "tests/conftest.py", None, "NameError", "x", "tb", "/p"))
    assert state.outcome is RunOutcome.CONFTEST_ERROR
    assert state.totals.errors == 0  # pytest's own count: nothing ran
    tally = state.modules["tests/"]
    assert (tally.status, tally.blocked_by) == ("conftest error", "tests/conftest.py")
    [error] = state.collection_errors
    assert (error.kind, error.source, error.message) == (
        "conftest",
        "tests/conftest.py",
        "NameError: x",
    )
    collected = RunState()
    collected.apply(
        CollectionError(
            "tests/sub", "tests/sub", "ImportError: x", "tests/sub/conftest.py:2: in <module>"
        )
    )
    assert (
        collected.totals.errors == 1 and collected.modules["tests/sub/"].status == "conftest error"
    )
    recorded = recorded_state(
        [], [("tests/", "NameError: x", "conftest", "tests/conftest.py", "")], started=False
    )
    assert recorded.totals.errors == 0 and recorded.modules["tests/"].status == "conftest error"


def test_an_invalid_configuration_names_the_file_and_the_option(tmp_path: Path) -> None:
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\naddopts = --bogus\n")
    argparse = (
        "ERROR: usage: __main__.py [options] [file_or_dir] [file_or_dir] [...]\n"
        "__main__.py: error: unrecognized arguments: --bogus\n"
        f"  inifile: {ini}\n  rootdir: {tmp_path}\n"
    )
    assert config_error_line(argparse, [], None, tmp_path) == (
        "pytest.ini: addopts holds options pytest does not know: --bogus "
        "(a plugin that is not installed?)"
    )
    assert config_error_line(argparse, ["--bogus"], None, tmp_path) is None  # the user's own
    assert config_error_line("ERROR: Unknown config option: timeout_x\n", [], ini, tmp_path) == (
        "pytest.ini: unknown option timeout_x (refused under --strict-config)"
    )
    assert config_error_line("ERROR: Missing required plugins: pytest-x\n", [], ini, tmp_path) == (
        "pytest.ini: required_plugins are not installed: pytest-x"
    )
    minversion = f"ERROR: {ini}: 'minversion' requires pytest-99, actual pytest-8.4.2'\n"
    assert config_error_line(minversion, [], ini, tmp_path) == (
        "pytest.ini: 'minversion' requires pytest-99, actual pytest-8.4.2'"
    )
    filters = (
        "ERROR: while parsing the following warning configuration:\n\n  error::Nope\n\n"
        'This error occurred:\n\nTraceback (most recent call last):\n  File "x", line 1\n'
        "AttributeError: module 'builtins' has no attribute 'Nope'\n"
    )
    assert config_error_line(filters, [], ini, tmp_path) == (
        "pytest.ini: filterwarnings entry 'error::Nope' is invalid: "
        "AttributeError: module 'builtins' has no attribute 'Nope'"
    )
    assert config_error_line("ERROR: file or directory not found: x\n", [], ini, tmp_path) is None


def test_the_inifile_is_found_as_pytest_finds_it(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n")
    (tmp_path / "tox.ini").write_text("[pytest]\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_inifile(sub, []) == tmp_path / "tox.ini"  # pyproject without pytest: skipped
    assert find_inifile(sub, ["-c", "other.ini"]) == sub / "other.ini"
