"""Known issues on screen: their tests carry ``K`` in every table, the header counts the
known failures, the detail pane and the root cause name the issue; a new issue (K) marks
its tests at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from cockpit.app.app import CockpitApp
from cockpit.app.views.known import KnownIssues
from cockpit.app.widgets.clusters_panel import ClustersPanel
from cockpit.app.widgets.module_table import ModuleTable
from cockpit.app.widgets.run_header import RunHeader
from cockpit.app.widgets.test_table import TestTable
from tests.app.app_support import (
    lines_of,
    lines_showing,
    make_app,
    move_to_module,
    run_and_settle,
    settle,
    text_of,
)
from tests.app.test_app_keys import drive
from tests.helpers import open_log

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("own_config")]

TAGS = "tests/test_tags.py"
KNOWN = (f"{TAGS}::test_labels_become_tags[0]", f"{TAGS}::test_labels_become_tags[1]")


def add_known_issue(project: Path, title: str, tests: tuple[str, ...]) -> None:
    log = open_log(project)
    try:
        log.add_known_issue(
            title, tests, workaround=None, deselected=(), priority="high", effort=""
        )
    finally:
        log.close()


def row_with(lines: list[str], text: str) -> str:
    return next(line for line in lines if text in line)


def test_every_table_marks_a_known_issues_tests(broken: Path) -> None:
    drive(make_app(broken), lambda app, pilot: run_and_settle(pilot, "a"))
    add_known_issue(broken, "Tags need the model import", KNOWN)

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        modules = app.query_one(ModuleTable)
        for _ in range(100):  # the known issues arrive with the session's overview, read in a
            if any(line.startswith("K") for line in lines_of(modules)):  # thread: under load
                break  # that can be after the first screen has settled
            await pilot.pause(0.05)
        assert row_with(lines_of(modules), TAGS).startswith("K✘")
        assert not row_with(lines_of(modules), "tests/test_util.py").startswith("K")
        counts = text_of(app.query_one(RunHeader).query_one("#counts"))
        assert "K 2 known" in counts
        await move_to_module(pilot, modules, TAGS)
        await settle(pilot)
        tests = app.query_one(TestTable)
        shown = await lines_showing(pilot, tests, "tags[2]")
        assert row_with(shown, "tags[0]").startswith("K")
        assert row_with(shown, "tags[1]").startswith("K")
        assert row_with(shown, "tags[2]").startswith(" ")
        assert "2 known" in str(tests.border_title)
        tests.focus()
        tests.move_cursor_to(KNOWN[0])
        await settle(pilot)
        assert "known issue 1: Tags need the model import" in text_of(
            app.query_one("#detail").query_one("Static")
        )
        await pilot.press("2")
        await pilot.pause()
        panel = app.query_one(ClustersPanel)
        table = panel.query_one("#cluster-table")
        assert table.get_cell_at((0, 3)).plain == "K"  # type: ignore[attr-defined]
        story = text_of(panel.query_one("#cluster-detail"))
        assert "known issue 1: Tags need the model import" in story
        assert "names 2 of these 20 tests" in story

    drive(make_app(broken), scenario, size=(80, 24))


def test_a_known_issue_added_with_k_marks_its_test_at_once(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        tests = app.query_one(TestTable)
        tests.focus()
        await pilot.press("down")
        nodeid = tests.selected_test
        assert nodeid is not None
        row = row_with(lines_of(tests), nodeid.rpartition("::")[2])
        assert row.startswith(" ")
        await run_and_settle(pilot, "K")
        await pilot.press("ctrl+s")  # the prefilled title and workaround, verified
        await settle(pilot)
        assert nodeid in app.known
        assert row_with(lines_of(tests), nodeid.rpartition("::")[2]).startswith("K")
        assert "K 1 known" in text_of(app.query_one(RunHeader).query_one("#counts"))

    drive(make_app(broken), scenario)


def test_known_issues_map_their_tests_and_modules() -> None:
    known = KnownIssues.of([(1, "one", ["a.py::t1", "a.py::t2"]), (2, "two", ["a.py::t2", "b.py"])])
    assert known.issue_of == {"a.py::t1": 1, "a.py::t2": 1, "b.py": 2}
    assert known.in_module("a.py") == 2 and known.in_module("b.py") == 1
    assert known.named_in(["a.py::t1", "b.py", "c.py::t9"]) == {1: 1, 2: 1}
    assert known.describe("b.py") == "known issue 2: two" and known.describe("c.py") is None
