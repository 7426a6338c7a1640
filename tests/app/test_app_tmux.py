"""The app in a real terminal (tmux): start, run all, see the module table, quit, and no
pytest process left behind. The one test that sees what a user sees."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import copy_project

pytestmark = pytest.mark.slow

if shutil.which("tmux") is None:
    if os.environ.get("CI"):
        pytest.fail("CI must have tmux (.ci/run installs it)", pytrace=False)
    pytest.skip("tmux is not installed", allow_module_level=True)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` (a terminal has no other way to tell) until it holds or time runs out."""
    pause = threading.Event()
    for _ in range(int(timeout / 0.1)):
        if condition():
            return
        pause.wait(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def processes_in(folder: Path) -> list[str]:
    """Processes running in ``folder`` or naming it (pytest runs with the project as cwd)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if "tmux" not in command and (cwd == str(folder) or str(folder) in command):
            found.append(f"{entry.name}: {command}")
    return found


def test_start_run_all_see_the_modules_quit_and_nothing_is_left(tmp_path: Path) -> None:
    project = copy_project("app_small", tmp_path)
    session = f"cockpit-test-{uuid.uuid4().hex[:8]}"
    exited = tmp_path / "exited"
    command = (
        f"cd {project} && COCKPIT_CONFIG_DIR={tmp_path / 'config'} PYTHONDONTWRITEBYTECODE=1 "
        f"{sys.executable} -m cockpit --python {sys.executable}; echo $? > {exited}"
    )

    def screen() -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session],
            capture_output=True,
            text=True,
            check=False,
        ).stdout

    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command],
        check=True,
    )
    try:
        wait_until(lambda: "no run yet" in screen(), 60, "the first screen")
        subprocess.run(["tmux", "send-keys", "-t", session, "a"], check=True)
        wait_until(lambda: "running" in screen() or "failed run 1" in screen(), 60, "the run")
        assert processes_in(project) or "failed run 1" in screen()  # pytest ran in the project
        wait_until(lambda: "failed run 1" in screen(), 120, "the run to end")
        shown = screen()
        for module in ("tests/test_posts.py", "tests/test_tags.py", "tests/test_util.py"):
            assert module in shown
        assert "5 passed" in shown and "10 failed" in shown and "10 errors" in shown
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        wait_until(exited.exists, 30, "cockpit to exit")
        assert exited.read_text().strip() == "0"
        assert processes_in(project) == []
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, capture_output=True)
