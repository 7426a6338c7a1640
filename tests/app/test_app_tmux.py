"""The app in a real terminal (tmux): start, run all, see the module table, quit, and no
pytest process left behind; at 80x24 and 160x45, type into the F and K forms key by key
and read the screen. The tests that see what a user sees."""

from __future__ import annotations

import os
import re
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


class Terminal:
    """cockpit in a tmux session: keys typed in, the screen read back as text."""

    def __init__(self, project: Path, folder: Path, size: tuple[int, int]) -> None:
        """Start cockpit on ``project`` in a ``size`` terminal (its exit code in ``folder``)."""
        self.project = project
        self.session = f"cockpit-test-{uuid.uuid4().hex[:8]}"
        self.exited = folder / "exited"
        # A tmux server of its own: one started elsewhere keeps the environment it started
        # with (COLUMNS=80 and LINES=24 once), which Textual would take over the pane's size.
        self.tmux = ["tmux", "-L", self.session]
        command = (
            f"cd {project} && unset COLUMNS LINES && COCKPIT_CONFIG_DIR={folder / 'config'} "
            f"PYTHONDONTWRITEBYTECODE=1 {sys.executable} -m cockpit --python {sys.executable}; "
            f"echo $? > {self.exited}"
        )
        width, height = (str(length) for length in size)
        start = [*self.tmux, "new-session", "-d", "-s", self.session, "-x", width, "-y", height]
        subprocess.run([*start, command], check=True)

    def quit_and_check_nothing_is_left(self) -> None:
        self.keys("q")
        wait_until(self.exited.exists, 30, "cockpit to exit")
        assert self.exited.read_text().strip() == "0"
        assert processes_in(self.project) == []

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False, capture_output=True)

    def screen(self) -> str:
        return subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", self.session],
            capture_output=True,
            text=True,
            check=False,
        ).stdout

    def keys(self, *keys: str) -> None:
        """Named keys (``Enter``, ``C-u``), one by one."""
        for key in keys:
            subprocess.run([*self.tmux, "send-keys", "-t", self.session, key], check=True)

    def type(self, text: str) -> None:
        """Text typed as it is (``-l``: no key names)."""
        subprocess.run([*self.tmux, "send-keys", "-t", self.session, "-l", text], check=True)

    def wait_for(self, text: str, timeout: float = 60, *, any_case: bool = False) -> str:
        def shown() -> str:
            return self.screen().lower() if any_case else self.screen()

        wanted = text.lower() if any_case else text
        try:
            wait_until(lambda: wanted in shown(), timeout, repr(text))
        except AssertionError as error:
            raise AssertionError(f"{error}; the screen:\n{self.screen()}") from None
        return self.screen()


def test_start_run_all_see_the_modules_quit_and_nothing_is_left(tmp_path: Path) -> None:
    term = Terminal(copy_project("app_small", tmp_path), tmp_path, (100, 30))
    try:
        term.wait_for("no run yet")
        term.keys("a")
        wait_until(
            lambda: "running" in term.screen() or "failed run 1" in term.screen(), 60, "the run"
        )
        assert processes_in(term.project) or "failed run 1" in term.screen()  # pytest ran there
        shown = term.wait_for("failed run 1", 120)
        for module in ("tests/test_posts.py", "tests/test_tags.py", "tests/test_util.py"):
            assert module in shown
        assert "5 passed" in shown and "10 failed" in shown and "10 errors" in shown
        term.quit_and_check_nothing_is_left()
    finally:
        term.close()


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_the_forms_take_typing_and_the_screen_fits(tmp_path: Path, size: tuple[int, int]) -> None:
    term = Terminal(copy_project("app_small", tmp_path), tmp_path, size)
    try:
        term.wait_for("no run yet")
        term.keys("a")
        shown = term.wait_for("(failed)", 120)  # the run's notice, over the key bar
        assert "10 errors in " in shown.splitlines()[-1]
        lines = shown.splitlines()
        assert "10 fail" in lines[1] and "10 err" in lines[1]  # the counts fit the line
        assert lines[0].rstrip().endswith(term.project.name)  # the project, at the right
        assert "1 Modules (3)" in shown and "2 Root causes (1)" in shown
        shown = term.wait_for("q quit", any_case=True).lower()  # the key bar, once the
        assert "k known" in shown and "w watch" in shown and "e export" in shown  # notice goes
        term.keys("F")
        term.wait_for("Log a fix")
        term.type("Import the Tag model")
        assert "title        Import the Tag model" in term.wait_for("Import the Tag model")
        term.keys("Enter", "Enter", "Enter")
        term.type("import Tag in app.models")
        term.keys("Enter")
        term.type("app/models/__init__.py")
        shown = term.wait_for("app/models/__init__.py")
        assert "title        Import the Tag model" in shown  # a field left shows its text
        term.keys("Enter", "h")
        term.wait_for("[high]")
        term.keys("Enter")  # the last field: saves
        term.wait_for("fix 1 logged")
        term.keys("K")
        term.wait_for("Add a known issue")

        def title_cleared() -> bool:
            """ctrl+u clears the prefilled title (sent again until the form has the focus
            in its title, which the terminal cannot show in text)."""
            term.keys("C-u")
            return re.search(r"│ title +│", term.screen()) is not None

        wait_until(title_cleared, 10, "the title cleared")
        term.type("Tags need the model import")
        term.keys("Enter", "Enter", "h", "Enter")
        term.type("2h")
        term.wait_for("effort       2h")
        term.keys("Enter")  # verified by a collect-only run, then saved
        shown = term.wait_for("known issue 1 added", 120)
        assert "K✘ tests/test_" in shown, shown  # its module is marked in the table
        assert "K 12 known" in shown.splitlines()[1], shown  # and counted: its 12 failures
        term.quit_and_check_nothing_is_left()
    finally:
        term.close()
