"""The child's call map, in real pytest subprocesses: fixtures, re-exports, xdist, spawns."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from cockpit.engine.command import CALL_MAP_ENV, PLUGIN_DIR, PLUGIN_MODULE

PACKAGE = {
    "pkg/__init__.py": "from pkg.fmt import Formatter\nfrom pkg.util import helper\n"
    "VALUE = helper(1)\n",
    "pkg/fmt.py": "class Formatter:\n    def write_usage(self):\n        return 'usage'\n"
    "    def write_help(self):\n        return [c for c in 'ab']\n",
    "pkg/util.py": "def helper(x):\n    return x + 1\n\ndef session_thing():\n    return 5\n",
    "tests/__init__.py": "",
    "tests/conftest.py": "import pytest\nfrom pkg import util\n\n"
    "@pytest.fixture(scope='session')\ndef shared():\n    return util.session_thing()\n",
    "tests/test_a.py": "from pkg import Formatter\n\n"
    "def test_usage(shared):\n    assert Formatter().write_usage() == 'usage'\n\n"
    "def test_help():\n    assert Formatter().write_help() == ['a', 'b']\n\n"
    "def test_shared_again(shared):\n    assert shared == 5\n",
}


def traced_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    for name, text in PACKAGE.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    prefix = pytester.path / "out" / "map"
    prefix.parent.mkdir()
    monkeypatch.setenv(CALL_MAP_ENV, str(prefix))
    monkeypatch.setenv("COCKPIT_PROJECT_ROOT", str(pytester.path))
    monkeypatch.setenv("PYTHONPATH", f"{PLUGIN_DIR}:{pytester.path}")
    result = pytester.runpytest_subprocess("-p", PLUGIN_MODULE, "-p", "no:cacheprovider", *args)
    sides = [json.loads(p.read_text()) for p in sorted(prefix.parent.glob("map.*.json"))]
    return result, sides


def executed(side: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    functions = side["functions"]
    return {
        nodeid: {tuple(functions[fid]) for fid in fids} for nodeid, fids in side["tests"].items()
    }


def test_each_test_gets_what_it_and_its_fixtures_executed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, (side,) = traced_run(pytester, monkeypatch)
    result.assert_outcomes(passed=3)
    tests = executed(side)
    # A method reached through the package's re-export is keyed by its defining file.
    assert ("pkg/fmt.py", "Formatter.write_usage") in tests["tests/test_a.py::test_usage"]
    assert ("pkg/fmt.py", "Formatter.write_usage") not in tests["tests/test_a.py::test_help"]
    # The session fixture ran once, during test_usage, yet counts for every test using it.
    for nodeid in ("tests/test_a.py::test_usage", "tests/test_a.py::test_shared_again"):
        assert ("pkg/util.py", "session_thing") in tests[nodeid]
    assert ("pkg/util.py", "session_thing") not in tests["tests/test_a.py::test_help"]
    # What ran at import time is outside every test.
    outside = {tuple(side["functions"][fid]) for fid in side["outside"]}
    assert ("pkg/util.py", "helper") in outside
    assert all(("pkg/util.py", "helper") not in found for found in tests.values())
    # The project's modules are traced whole (test modules and conftests keep pytest's
    # rewriting), each with the digest of the bytes it was compiled from.
    traced = ["pkg/__init__.py", "pkg/fmt.py", "pkg/util.py", "tests/__init__.py"]
    assert side["traced_files"] == traced
    source = (pytester.path / "pkg" / "fmt.py").read_bytes()
    assert side["files"]["pkg/fmt.py"] == hashlib.sha256(source).hexdigest()
    assert set(side["collected"]["tests/test_a.py"]) == set(tests)


def test_under_xdist_each_worker_writes_the_tests_it_ran(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("xdist")
    result, sides = traced_run(pytester, monkeypatch, "-n", "2")
    result.assert_outcomes(passed=3)
    assert len(sides) == 2
    ran = [nodeid for side in sides for nodeid in side["tests"]]
    assert sorted(ran) == sorted(
        [
            "tests/test_a.py::test_usage",
            "tests/test_a.py::test_help",
            "tests/test_a.py::test_shared_again",
        ]
    )
    for side in sides:
        for nodeid, found in executed(side).items():
            if nodeid != "tests/test_a.py::test_help":
                assert ("pkg/util.py", "session_thing") in found


def test_a_test_that_starts_a_process_is_marked_incomplete(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    PACKAGE["tests/test_spawn.py"] = (
        "import subprocess, sys\n\ndef test_spawn():\n"
        "    subprocess.run([sys.executable, '-c', 'pass'], check=True)\n"
    )
    try:
        result, (side,) = traced_run(pytester, monkeypatch)
    finally:
        del PACKAGE["tests/test_spawn.py"]
    result.assert_outcomes(passed=4)
    assert side["spawning"] == ["tests/test_spawn.py::test_spawn"]


def test_instrumented_code_keeps_its_lines_docstrings_and_no_cache(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    PACKAGE["pkg/lines.py"] = (
        'def documented():\n    """Kept."""\n    raise ValueError("line 3")\n\n\n'
        "def make_adder():\n    return lambda x: x + 1\n"
    )
    PACKAGE["tests/test_lines.py"] = (
        "import traceback\nfrom pkg.lines import documented, make_adder\n\n"
        "ADD = make_adder()\n\n"
        "def test_lines():\n    assert documented.__doc__ == 'Kept.'\n    try:\n"
        "        documented()\n    except ValueError as error:\n"
        "        assert traceback.extract_tb(error.__traceback__)[-1].lineno == 3\n\n"
        "def test_lambda_made_elsewhere():\n    assert ADD(1) == 2\n"
    )
    try:
        result, (side,) = traced_run(pytester, monkeypatch)
    finally:
        del PACKAGE["pkg/lines.py"], PACKAGE["tests/test_lines.py"]
    result.assert_outcomes(passed=5)
    tests = executed(side)
    assert ("pkg/lines.py", "documented") in tests["tests/test_lines.py::test_lines"]
    # The lambda was made at import time; calling it counts for its outer function.
    lambda_test = tests["tests/test_lines.py::test_lambda_made_elsewhere"]
    assert lambda_test == {("pkg/lines.py", "make_adder")}
    cached = list((pytester.path / "pkg").rglob("lines*.pyc"))
    assert not cached  # an untraced run never loads instrumented bytecode


def test_no_map_outside_a_traced_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CALL_MAP_ENV, raising=False)
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    monkeypatch.setenv("PYTHONPATH", str(PLUGIN_DIR))
    result = pytester.runpytest_subprocess("-p", PLUGIN_MODULE)
    result.assert_outcomes(passed=1)
    assert not list(Path(pytester.path).rglob("map.*.json"))
