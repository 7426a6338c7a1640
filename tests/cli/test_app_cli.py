"""``cockpit`` (the app's command line) on bad input: one line and an exit code, before the
terminal is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import cockpit


@pytest.mark.parametrize(
    ("args", "code", "line"),
    [
        (["--theme", "nope"], 4, "no theme 'nope'; the themes are: cockpit-dark, "),
        (["app", "--project", "missing-folder"], 4, "--project missing-folder: no such folder"),
        (["--python", "/no/python"], 7, "--python /no/python: no such executable"),
        (["app"], 4, "the cockpit app needs a terminal; without one use cockpit run"),
        (["--bogus"], 4, "unrecognized arguments: --bogus"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, args: list[str], code: int, line: str) -> None:
    completed = cockpit(*args, cwd=tmp_path)
    assert completed.returncode == code
    assert completed.stdout == ""
    (message,) = completed.stderr.splitlines()
    assert message.startswith("cockpit: ") and line in message


def test_without_a_terminal_plain_cockpit_prints_its_help(tmp_path: Path) -> None:
    completed = cockpit(cwd=tmp_path)
    assert completed.returncode == 0
    assert "open the app" in completed.stdout
