"""``cockpit affected --json`` and ``cockpit watch`` as a user runs them, in subprocesses."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests.helpers import cockpit, copy_project

WAIT = 60.0


def test_affected_json_names_tests_and_reasons(tmp_path: Path) -> None:
    project = copy_project("watch_graph", tmp_path)
    completed = cockpit("affected", "--json", "app/util.py", "tests/test_alone.py", cwd=project)
    assert completed.returncode == 0, completed.stderr
    payload = json.loads(completed.stdout)
    assert payload["everything"] is False
    by_path = {target["path"]: target["reasons"] for target in payload["targets"]}
    assert by_path == {
        "tests/api/test_api.py": ["tests/api/conftest.py imports app.util"],
        "tests/test_alone.py": ["changed"],
        "tests/test_util.py": ["imports app.util"],
    }
    assert payload["pytest_args"][0] == "--ff"
    assert payload["changed"] == ["app/util.py", "tests/test_alone.py"]


def test_affected_refuses_a_missing_file_in_one_line(tmp_path: Path) -> None:
    project = copy_project("watch_graph", tmp_path)
    completed = cockpit("affected", "no/such.txt", cwd=project)
    assert completed.returncode == 4
    assert (
        completed.stderr == "cockpit: no/such.txt: no such file (a deleted Python file is fine)\n"
    )


class Lines:
    """A pipe read by a thread, so the test can wait for a line with a timeout."""

    def __init__(self, stream: IO[str]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.queue.put(line)

    def wait_for(self, predicate: Any, timeout: float = WAIT) -> str:
        while True:
            try:
                line = self.queue.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"no matching line within {timeout} s; saw {self.seen[-20:]}")
            self.seen.append(line)
            if predicate(line):
                return line


def save(path: Path, text: str) -> None:
    """Save as editors do: a temporary file renamed over the old one (one event)."""
    temporary = path.with_name(path.name + ".swp")
    temporary.write_text(text)
    os.replace(temporary, path)


def finished_run(line: str) -> bool:
    """A run's JSON line; a run cancelled by a second event (a slow machine may split one
    save in two) is followed by the run for both, which is the one to read."""
    return line.startswith("{") and json.loads(line)["outcome"] != "interrupted"


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[tuple[Path, Lines, Lines]]:
    project = copy_project("watch_graph", tmp_path)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("VIRTUAL_ENV", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "watch", "--json", "--python", sys.executable],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        yield project, Lines(process.stdout), Lines(process.stderr)
        os.killpg(process.pid, signal.SIGINT)  # a clean stop: the loop ends, exit 0
        assert process.wait(timeout=WAIT) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.slow
def test_watch_runs_the_affected_tests_on_save_and_records_why(
    watching: tuple[Path, Lines, Lines],
) -> None:
    project, out, err = watching
    err.wait_for(lambda line: line.strip() == "ready")
    util = project / "app" / "util.py"
    save(util, util.read_text().replace("add(x, x)", "add(x, x) + 1"))  # breaks 2 tests
    first = json.loads(out.wait_for(finished_run))
    assert {m["path"] for m in first["modules"]} == {"tests/test_util.py", "tests/api/test_api.py"}
    assert first["totals"]["failed"] == 2 and first["exit_code"] == 1
    assert first["selection"]["summary"] == "2 test files affected by app/util.py"

    # The fix: the same tests run again, the failures first, and pass.
    save(util, util.read_text().replace("add(x, x) + 1", "add(x, x)"))
    second = json.loads(out.wait_for(finished_run))
    assert second["totals"]["passed"] == 2 and second["exit_code"] == 0
    failed_first = [t["path"] for t in second["selection"]["targets"] if t["failed_last"]]
    assert sorted(failed_first) == ["tests/api/test_api.py", "tests/test_util.py"]

    runs = cockpit("runs", "--json", cwd=project)
    assert runs.returncode == 0, runs.stderr
    selections = sorted(
        run["selection"] for run in json.loads(runs.stdout) if run["outcome"] != "interrupted"
    )
    assert selections == [
        "watch: 2 test files affected by app/util.py",
        "watch: 2 test files affected by app/util.py, 2 with last failures",
    ]
