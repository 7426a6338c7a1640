"""The app on hostile tests (tests/projects/hostile): a test's ``ESC[2J`` is shown, never
obeyed, a forked child neither hangs the run nor outlives it, and the toast says so."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from cockpit.app.app import CockpitApp
from cockpit.app.widgets.module_table import ModuleTable
from cockpit.app.widgets.test_table import TestTable
from tests.app.app_support import make_app as make_app_on
from tests.app.app_support import run_and_settle, settle, text_of
from tests.helpers import copy_project, process_running

pytestmark = pytest.mark.slow

CONTROL = ("\x1b", "\x07", "\x08", "\x7f", "\x9b", "\r")


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COCKPIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("COCKPIT_DB_URL", raising=False)
    pids = tmp_path / "pids"
    pids.mkdir()
    monkeypatch.setenv("HOSTILE_PID_DIR", str(pids))
    return copy_project("hostile", tmp_path)


def test_the_screen_stays_sane_and_the_toast_names_what_was_killed(hostile: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await settle(pilot)
        await run_and_settle(pilot, "a")
        assert app.view is not None
        totals = app.view.state.totals
        assert (totals.passed, totals.failed) == (3, 4)
        modules = app.query_one(ModuleTable)
        while modules.selected_module != "tests/test_control.py":
            await pilot.press("down")
        await settle(pilot)
        tests = app.query_one(TestTable)
        tests.focus()
        await pilot.press("home")
        while tests.selected_test != "tests/test_control.py::test_message_clears_the_screen":
            await pilot.press("down")
        await settle(pilot)
        detail = text_of(app.query_one("#detail").query_one(Static))
        assert "␛[2J␛[31m" in detail and "the screen must stay" in detail
        screen = app.export_screenshot()
        for character in CONTROL:
            assert character not in screen, repr(character)
        for module in ("tests/test_control.py", "tests/test_fork.py", "tests/test_big.py"):
            assert module in screen.replace("&#160;", " ")
        messages = [notification.message for notification in app._notifications]
        assert any("a test left 1 process running (pid " in m for m in messages), messages
        assert any("lines of the event stream that were not cockpit's" in m for m in messages)
        await pilot.press("2")  # the root causes: signatures and tracebacks shown too
        await settle(pilot)
        screen = app.export_screenshot()
        assert not any(character in screen for character in CONTROL)

    async def main() -> None:
        app = make_app_on(hostile)
        async with app.run_test(size=(160, 48)) as pilot:
            await scenario(app, pilot)

    asyncio.run(main())
    forked = [int(path.read_text()) for path in (hostile.parent / "pids").iterdir()]
    left = [pid for pid in forked if process_running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert len(forked) == 1 and not left
