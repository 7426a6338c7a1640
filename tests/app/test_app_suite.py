"""The session picture in the app, driven by Textual's pilot against real pytest runs: a
save under watch keeps every module in view and updates the rerun ones, ``Δpass`` counts
new tests, ``F`` after a proving rerun is prefilled from the runs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from cockpit.app.app import CockpitApp
from cockpit.app.screens.forms import FixForm
from cockpit.app.widgets.module_table import ModuleTable
from cockpit.app.widgets.run_header import RunHeader
from cockpit.app.widgets.session_panel import SessionPanel
from cockpit.app.widgets.test_table import TestTable
from tests.app.app_support import (
    lines_of,
    make_app,
    move_to_module,
    run_and_settle,
    settle,
    text_of,
)
from tests.helpers import copy_project, open_log

pytestmark = pytest.mark.slow

MODELS = "app/models/__init__.py"


@pytest.fixture(autouse=True)
def _own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("COCKPIT_DB_URL", raising=False)


def drive(app: CockpitApp, scenario: object, size: tuple[int, int] = (160, 45)) -> None:
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(app, pilot)  # type: ignore[operator]

    asyncio.run(main())


def import_tag(project: Path) -> None:
    models = project / MODELS
    models.write_text(models.read_text() + "from app.models.tag import Tag  # noqa: F401\n")


def row(table: ModuleTable, module: str) -> str:
    (line,) = [line for line in lines_of(table) if module in line]
    return line


async def until(pilot: Pilot[int], done: object, tries: int = 400) -> None:
    """Wait (for real files to be seen and pytest to run) until ``done()`` holds."""
    for _ in range(tries):
        await pilot.pause(0.05)
        if done():  # type: ignore[operator]
            return
    raise AssertionError("the app never got there")


def test_a_save_under_watch_keeps_the_other_modules_and_updates_the_rerun_ones(
    tmp_path: Path,
) -> None:
    project = copy_project("app_small", tmp_path)
    import_tag(project)  # every test passes: a save reruns only what it affects

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        await pilot.press("w")
        await until(pilot, lambda: any("watching" in n.message for n in app._notifications))
        util = project / "app" / "util.py"
        util.write_text(util.read_text().replace('" ..."', '" [...]"'))
        await until(pilot, lambda: app.view is not None and app.view.run_id == 2)
        await until(pilot, lambda: app.ending is not None and not app.advancing)
        await settle(pilot)
        await pilot.pause(0.3)  # the repaint timer
        assert app.view is not None and app.view.reason.startswith("watch: ")
        assert set(app.view.state.modules) == {"tests/test_util.py"}  # what the save affects
        table = app.query_one(ModuleTable)
        assert set(table.row_keys) == {
            "tests/test_posts.py",
            "tests/test_tags.py",
            "tests/test_util.py",
        }
        util_row = row(table, "tests/test_util.py")
        assert "save" not in util_row and "run 1" not in util_row  # rerun now
        assert "✘" in util_row  # excerpt_cuts_long_text fails with the new ellipsis
        posts = row(table, "tests/test_posts.py")
        assert "1 save ago" in posts and "stale" not in posts  # util.py is not theirs
        counts = text_of(app.query_one(RunHeader).query_one("#counts", Static))
        assert "│ suite ✔ 24/25" in counts and "✘ 1" in counts
        await pilot.press("w")
        await settle(pilot)
        assert not app.watching
        assert "· run 1" in row(table, "tests/test_posts.py")  # ages said as runs again
        await move_to_module(pilot, table, "tests/test_posts.py")
        await settle(pilot)
        tests = app.query_one(TestTable)
        assert tests.module == "tests/test_posts.py" and tests.row_count == 12
        assert all("· run 1" in line for line in lines_of(tests)[1:13])
        assert [line for line in lines_of(tests)[1:13] if "✔" in line] == lines_of(tests)[1:13]

    drive(make_app(project), scenario)


def test_a_module_that_imports_again_counts_its_new_tests_in_delta_pass(tmp_path: Path) -> None:
    project = copy_project("fix_import", tmp_path)

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        table = app.query_one(ModuleTable)
        assert table.cursor_key == "tests/test_text.py"  # it does not import: on top
        text = project / "app" / "text.py"
        text.write_text(
            text.read_text() + "\n\ndef title(text: str) -> str:\n    return text.title()\n"
        )
        await run_and_settle(pilot, "enter")  # rerun that module alone
        await pilot.pause(0.3)
        line = row(table, "tests/test_text.py")
        assert line.rstrip().endswith("+4")
        numbers = row(table, "tests/test_numbers.py")
        assert "· run 1" in numbers and "stale" not in numbers
        counts = text_of(app.query_one(RunHeader).query_one("#counts", Static))
        assert "│ suite ✔ 6/6" in counts

    drive(make_app(project), scenario)


def test_f_after_a_proving_rerun_is_prefilled_from_the_runs(tmp_path: Path) -> None:
    project = copy_project("app_small", tmp_path)

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        import_tag(project)
        table = app.query_one(ModuleTable)
        await move_to_module(pilot, table, "tests/test_tags.py")
        await run_and_settle(pilot, "enter")
        await pilot.pause(0.3)
        assert "stale" in row(table, "tests/test_posts.py")  # it imports app.models
        await run_and_settle(pilot, "F")
        form = app.screen
        assert isinstance(form, FixForm)
        problem = form.query_one("#problem-text", Input).value
        assert problem.startswith("8 of 20 failing with sqlalchemy.exc.InvalidRequestError")
        assert problem.endswith("pass now")
        assert "Tag" in form.query_one("#root-cause", Input).value  # the hint of that cause
        assert form.query_one("#files", Input).value == MODELS
        placement = text_of(form.query_one("#placement", Static))
        assert "run 1 -> run 2: 8 tests flipped to pass" in placement
        form.query_one("#title", Input).value = "Import the Tag model"
        await run_and_settle(pilot, "ctrl+s")
        assert not isinstance(app.screen, FixForm)
        await settle(pilot)
        panel = text_of(app.query_one(SessionPanel).query_one("#session-body", Static))
        assert "run 2: 8 tests flipped to pass" in panel

    drive(make_app(project), scenario)
    log = open_log(project)
    try:
        (fix,) = log.fixes()
    finally:
        log.close()
    assert (fix.title, fix.before_run_id, fix.evidence_run_id, fix.files) == (
        "Import the Tag model",
        1,
        2,
        [MODELS],
    )
