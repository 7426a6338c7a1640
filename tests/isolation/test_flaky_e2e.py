"""Flaky history end to end: real recorded runs, a real file touched between two of them."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from cockpit.cli.main import main
from cockpit.isolation.log import flaky_tests
from tests.helpers import copy_project, open_log

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def no_plugin_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture projects need no plugin, and this venv's (textual-snapshot, testmon...)
    would cost each of the many pytest children about a second of CPU."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


FLAKY = "tests/test_unstable.py::test_alternates"


def test_a_flip_with_no_file_change_is_flagged_and_one_after_an_edit_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project("isolation", tmp_path)
    where = ["--project", str(project)]
    outcomes = []
    for index in range(3):
        if index == 2:  # an edit between the second and the third run
            source = project / "tests" / "test_alpha.py"
            stat = source.stat()
            os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        code = main(["run", "--json", *where, "--python", sys.executable, "tests/test_unstable.py"])
        capsys.readouterr()
        outcomes.append("failed" if code == 1 else "passed")
    assert outcomes == ["failed", "passed", "failed"]  # attempts 0, 1, 2

    assert main(["history", FLAKY, "--json", *where]) == 0
    history = json.loads(capsys.readouterr().out)
    assert [(row["outcome"], row["flaky"]) for row in history] == [
        ("failed", False),
        ("passed", True),  # same files, same interpreter: flaky
        ("failed", False),  # a file changed in between: not evidence of flakiness
    ]
    assert main(["history", FLAKY, *where]) == 0
    assert "flaky" in capsys.readouterr().out

    log = open_log(project)
    try:
        assert flaky_tests(log) == {FLAKY}
        assert len({run.source_digest for run in log.runs()}) == 2
    finally:
        log.close()
