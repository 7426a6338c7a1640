"""Every key flow of the app, driven by Textual's pilot against real pytest runs.

Each test copies a small real project, opens the app on it (its session log in the
copy's .cockpit/), presses keys and waits for the app's workers, never for a clock.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent
from textual.widgets._toast import Toast

from cockpit.app.app import CockpitApp
from cockpit.app.screens.export import ExportScreen
from cockpit.app.screens.help import HelpScreen
from cockpit.app.screens.isolation import IsolationScreen
from cockpit.app.screens.prompt import PromptScreen
from cockpit.app.views.marks import seconds
from cockpit.app.widgets.clusters_panel import ClustersPanel
from cockpit.app.widgets.failure_detail import FailureDetailView
from cockpit.app.widgets.key_bar import KeyBar
from cockpit.app.widgets.module_table import ModuleTable
from cockpit.app.widgets.run_header import RunHeader
from cockpit.app.widgets.test_table import TestTable
from cockpit.isolation.log import isolations
from cockpit.settings import Settings
from tests.app.app_support import (
    lines_of,
    make_app,
    run_and_settle,
    screen_lines,
    settle,
    text_of,
)
from tests.app.test_app_logic import collected, failed, feed, live_view, started
from tests.helpers import copy_project, open_log

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("own_config")]

Scenario = Callable[[CockpitApp, Pilot[int]], Awaitable[None]]


def drive(
    app: CockpitApp,
    scenario: Scenario,
    size: tuple[int, int] = (120, 36),
    *,
    notifications: bool = False,
) -> None:
    async def main() -> None:
        async with app.run_test(size=size, notifications=notifications) as pilot:
            await settle(pilot)
            await scenario(app, pilot)

    asyncio.run(main())


def runs_of(project: Path) -> list[tuple[int, str, str, int, int, int]]:
    log = open_log(project)
    try:
        return [
            (run.id, run.selection_reason, run.outcome, run.passed, run.failed, run.errors)
            for run in reversed(log.runs())
        ]
    finally:
        log.close()


def test_a_runs_everything_streams_into_the_module_table_and_records_it(tmp_path: Path) -> None:
    broken = copy_project("sqla_missing_import", tmp_path)

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        assert app.view is None  # opens on an empty log without running anything
        await run_and_settle(pilot, "a")
        assert app.view is not None
        totals = app.view.state.totals
        assert (totals.passed, totals.failed, totals.errors) == (5, 160, 160)
        table = app.query_one(ModuleTable)
        assert set(table.row_keys) == {
            "tests/test_posts.py",
            "tests/test_tags.py",
            "tests/test_util.py",
        }
        assert table.selected_module in (
            "tests/test_posts.py",
            "tests/test_tags.py",
        )  # failing first
        assert app.query_one(ClustersPanel).clusters[0].count == 320

    drive(make_app(broken), scenario)
    assert runs_of(broken) == [(1, "the whole suite", "failed", 5, 160, 160)]


def test_one_duration_per_run_in_the_header_the_notice_and_the_session_table(
    broken: Path,
) -> None:
    """All three say the run's recorded time (its record's start to end)."""
    said: dict[str, str] = {}

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        said["header"] = text_of(app.query_one(RunHeader).query_one("#status"))
        said["notice"] = " ".join(n.message for n in app._notifications)
        said["session"] = text_of(app.query_one("#session-body"))

    drive(make_app(broken), scenario)
    log = open_log(broken)
    (run,) = log.runs()
    log.close()
    assert run.ended_at is not None
    recorded = seconds(run.ended_at - run.started_at)
    assert f"  {recorded}" in said["header"]
    assert f" in {recorded} (failed)" in said["notice"]
    assert f" {recorded} " in said["session"]


def test_opens_on_the_last_recorded_run_and_runs_only_when_asked(broken: Path) -> None:
    drive(make_app(broken), lambda app, pilot: run_and_settle(pilot, "a"))

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        assert app.view is not None and app.view.run_id == 1 and not app.view.live
        assert app.view.state.totals.failed == 10
        assert app.query_one(ClustersPanel).clusters[0].count == 20
        # The recorded failure text is read from the log when a failing test is selected.
        app.query_one(TestTable).focus()
        await pilot.press("down")
        await settle(pilot)
        assert "Tag" in text_of(app.query_one("#detail").query_one(Static))

    drive(make_app(broken), scenario)
    assert len(runs_of(broken)) == 1


def test_f_runs_only_the_failed_and_r_reruns_that_selection(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        await run_and_settle(pilot, "f")
        assert app.view is not None and app.view.state.collected == 20
        await run_and_settle(pilot, "r")

    drive(make_app(broken), scenario)
    reasons = [reason for _, reason, *_ in runs_of(broken)]
    assert reasons[0] == "the whole suite"
    assert reasons[1].startswith("failed tests of run 1 (20)")
    assert reasons[2] == reasons[1]


def test_enter_runs_the_selected_module_then_the_selected_test(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        table = app.query_one(ModuleTable)
        module = table.selected_module
        await run_and_settle(pilot, "enter")
        assert app.view is not None
        assert set(app.view.state.modules) == {module}
        tests = app.query_one(TestTable)
        tests.focus()
        await pilot.press("down")
        nodeid = tests.selected_test
        await run_and_settle(pilot, "enter")
        assert list(app.view.state.tests) == [nodeid]

    drive(make_app(broken), scenario)
    assert [r[1] for r in runs_of(broken)][1].startswith("module tests/")


def test_enter_on_a_root_cause_runs_its_tests(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        await pilot.press("2")
        await run_and_settle(pilot, "enter")
        assert app.view is not None and app.view.state.collected == 20

    drive(make_app(broken), scenario)
    assert runs_of(broken)[1][1].startswith("root cause ")


def test_slash_and_m_set_filters_for_every_run(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"excerpt", "enter")
        await settle(pilot)
        assert app.workspace.keyword == "excerpt"
        assert app.view is not None and app.view.state.totals.passed == 2
        assert app.view.state.collected == 2
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*"not slow", "enter")
        await settle(pilot)
        assert app.workspace.filter_args() == ("-k", "excerpt", "-m", "not slow")

    drive(make_app(broken), scenario)
    assert runs_of(broken)[0][1] == "the whole suite (subset: -k excerpt)"


def test_x_cancels_a_hanging_run_and_leaves_no_process(tmp_path: Path) -> None:
    project = copy_project("hang", tmp_path)
    pid_file = tmp_path / "child.pid"

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        app.workspace.keyword = "spawns_child"
        await pilot.press("a")
        for _ in range(400):  # until the test has started its own child process
            await pilot.pause(0.05)
            if pid_file.exists() and pid_file.read_text().strip():
                break
        assert app.active is not None
        await run_and_settle(pilot, "x")
        assert app.active is None and app.ending == "interrupted"

    os.environ["HANG_PID_FILE"] = str(pid_file)
    try:
        drive(make_app(project), scenario)
    finally:
        del os.environ["HANG_PID_FILE"]
    grandchild = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(grandchild, 0)
    assert runs_of(project)[0][2] == "interrupted"


def test_q_during_a_run_cancels_it_cleanly(tmp_path: Path) -> None:
    project = copy_project("hang", tmp_path)

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        app.workspace.keyword = "sleeps_forever"
        await pilot.press("a")
        for _ in range(400):
            await pilot.pause(0.05)
            if app.view is not None and app.view.state.running_tests:
                break
        process = app.active.run.process if app.active else None
        assert process is not None
        await pilot.press("q")
        await settle(pilot)
        assert process.returncode is not None

    drive(make_app(project), scenario)
    assert runs_of(project)[0][2] == "interrupted"


def test_n_adds_a_note_and_the_session_panel_shows_it(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"mapper theory", "enter")
        await settle(pilot)
        await pilot.press("2", "3")
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "session-tab"
        assert "mapper theory" in text_of(app.query_one("#session-body"))
        await pilot.press("1")
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "modules-tab"
        assert app.focused is app.query_one(ModuleTable)

    drive(make_app(broken), scenario)


def test_e_opens_the_failure_location_in_the_editor(broken: Path, tmp_path: Path) -> None:
    calls = tmp_path / "editor-calls"
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        await pilot.press("2", "e")
        await settle(pilot)

    os.environ["EDITOR"] = str(editor)
    try:
        drive(make_app(broken), scenario)
    finally:
        del os.environ["EDITOR"]
    line, path = calls.read_text().splitlines()[0].split()
    assert line.startswith("+") and line[1:].isdigit()
    assert Path(path).is_file() and Path(path).is_relative_to(broken)


def test_c_copies_the_selected_node_id(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        tests = app.query_one(TestTable)
        tests.focus()
        await pilot.press("down", "c")
        assert app.clipboard == tests.selected_test

    drive(make_app(broken), scenario)


def test_t_cycles_the_theme_and_remembers_it(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        assert app.theme == "cockpit-dark"
        await pilot.press("t")
        assert app.theme != "cockpit-dark"
        assert Settings.load().theme == app.theme
        assert app.has_class(f"-theme-{app.theme}")

    drive(make_app(broken, open_log=False), scenario)

    async def reopened(app: CockpitApp, pilot: Pilot[int]) -> None:
        assert app.theme == Settings.load().theme != "cockpit-dark"

    drive(make_app(broken, open_log=False), reopened)


def test_question_mark_lists_every_key(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = {key for key, _ in app.screen.keys}
        assert set("arf/mxiFKnecEwtq?") <= keys | {"/", "?"} and "enter" in keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

    drive(make_app(broken, open_log=False), scenario)


def test_typing_in_the_filter_narrows_the_module_table(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        await pilot.press("ctrl+f", *"util")
        await pilot.pause()
        assert app.query_one(ModuleTable).row_keys == ["tests/test_util.py"]
        await pilot.press("enter")
        assert app.focused is app.query_one(ModuleTable)

    drive(make_app(broken), scenario)


@pytest.mark.parametrize("size", [(80, 24), (250, 50)])
def test_small_and_wide_terminals_and_resizing(broken: Path, size: tuple[int, int]) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        assert app.screen.has_class("narrow") == (size[0] < 160)
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        assert not app.screen.has_class("narrow")
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert app.screen.has_class("narrow")
        table = app.query_one(ModuleTable)
        assert table.row_count == 3
        shown = lines_of(table)
        assert shown[0].split()[:3] == ["module", "pass", "fail"]
        assert all(len(line) <= table.scrollable_content_region.width for line in shown)
        assert sum("test_" in line for line in shown[1:]) == 3

    drive(make_app(broken), scenario, size=size)


def test_the_command_palette_offers_every_action(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Run all", "Rerun", "Failed", "Cancel", "Fix", "Quit"} <= titles
        assert "Watch: off -> on" in titles
        app.watching = True  # what the palette says follows the watch's state
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Watch: on -> off" in titles and "Watch: off -> on" not in titles
        app.watching = False

    drive(make_app(broken, open_log=False), scenario)


def test_at_80x24_the_key_bar_and_the_tabs_say_the_keys_and_a_click_runs_one(
    broken: Path,
) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        bar = text_of(app.query_one(KeyBar)).rstrip()
        for hint in ("w watch", "K known", "n note", "E export", "? keys", "q quit"):
            assert hint in bar
        tabs = app.query_one(TabbedContent)
        labels = [tabs.get_tab(pane).label.plain for pane in ("modules-tab", "clusters-tab")]
        assert labels == ["1 Modules (3)", "2 Root causes (1)"]
        assert tabs.get_tab("session-tab").label.plain == "3 Session (1 run)"
        # The run's notice is over the key bar, not over the detail pane's text.
        (toast,) = app.screen.query(Toast)
        detail = app.query_one(FailureDetailView)
        assert toast.region.bottom == app.screen.size.height
        assert not toast.region.overlaps(detail.content_region)
        assert not toast.region.overlaps(app.query_one(TestTable).content_region)
        await pilot.click(Toast)  # a click puts a notice away
        await pilot.pause()
        assert not app.screen.query(Toast)
        await pilot.click(KeyBar, offset=(1 + bar.index("n note"), 0))
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)

    drive(make_app(broken), scenario, size=(80, 24), notifications=True)


def test_run_on_start_runs_at_once(broken: Path) -> None:
    drive(make_app(broken, run_on_start=True), lambda app, pilot: settle(pilot))
    assert len(runs_of(broken)) == 1


def test_the_module_table_shows_changes_since_the_previous_run(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        models = broken / "app" / "models" / "__init__.py"
        models.write_text(models.read_text() + "from app.models.tag import Tag  # noqa\n")
        await run_and_settle(pilot, "a")
        assert app.view is not None
        tags = app.view.state.modules["tests/test_tags.py"]
        assert tags.totals.passed == tags.collected > 0
        assert app.view.passed_delta("tests/test_tags.py") == tags.collected
        assert app.view.state.totals.passed == 25

    drive(make_app(broken), scenario)


def test_a_crash_and_collection_errors_are_shown_where_they_happened(tmp_path: Path) -> None:
    crash = copy_project("crash", tmp_path)

    async def crashed(app: CockpitApp, pilot: Pilot[int]) -> None:
        app.workspace.keyword = "before or os_exit or after"
        await run_and_settle(pilot, "a")
        assert app.ending == "crashed"
        assert app.view is not None
        record = app.view.state.tests["tests/test_crash.py::test_os_exit"]
        assert str(record.outcome) == "crashed"
        tests = app.query_one(TestTable)
        assert tests.selected_test == record.nodeid  # failing first, so it is on top
        assert "crashed" in text_of(app.query_one(RunHeader).query_one("#status"))

    drive(make_app(crash), crashed)

    errors = copy_project("collection_error", tmp_path)

    async def collection(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        assert app.view is not None
        statuses = {path: t.status for path, t in app.view.state.modules.items()}
        assert statuses["tests/test_syntax.py"] == "collection error"
        assert statuses["tests/test_import.py"] == "collection error"
        assert statuses["tests/test_good_a.py"] == "passed"
        outcomes = {kind for c in app.view.clusters() for kind in c.outcomes}
        assert "collection error" in outcomes

    drive(make_app(errors), collection)


def test_i_isolates_the_failures_of_a_module_and_records_the_verdicts(tmp_path: Path) -> None:
    project = copy_project("isolation", tmp_path)

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        app.workspace.keyword = "order"
        await run_and_settle(pilot, "a")
        assert app.query_one(ModuleTable).selected_module == "tests/test_order.py"
        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, IsolationScreen)
        assert screen.nodeids == ("tests/test_order.py::test_prices_in_euros",)
        await settle(pilot)
        (verdict,) = screen.verdicts
        assert str(verdict.verdict) == "passes-alone"
        assert verdict.polluter == "tests/test_order.py::test_switches_currency"
        await pilot.press("escape")
        await settle(pilot)

    drive(make_app(project), scenario)
    log = open_log(project)
    try:
        (stored,) = isolations(log)
    finally:
        log.close()
    assert (stored.verdict, stored.polluter, stored.run_id) == (
        "passes-alone",
        "tests/test_order.py::test_switches_currency",
        1,
    )


def test_shift_e_previews_the_summary_and_s_saves_it(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        await run_and_settle(pilot, "E")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert "20" in screen.markdown and screen.target.parent == broken
        # At 80x24 the preview says where it saves, the file's name whole.
        saves = [line for line in screen_lines(app) if "s saves it to" in line]
        assert len(saves) == 1 and screen.target.name in saves[0]
        await run_and_settle(pilot, "s")
        assert not isinstance(app.screen, ExportScreen)

    drive(make_app(broken), scenario, size=(80, 24))
    (saved,) = broken.glob("cockpit-session-*.md")
    assert saved.read_text(encoding="utf-8").startswith("# ")


def test_w_watches_and_a_save_reruns_the_affected_tests(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await pilot.press("w")
        for _ in range(200):  # the import graph is built, then the watch is in place
            await pilot.pause(0.05)
            if any("watching" in n.message for n in app._notifications):
                break
        assert app.watching
        util = broken / "app" / "util.py"
        util.write_text(util.read_text() + "\n# touched\n")
        for _ in range(400):
            await pilot.pause(0.05)
            if app.view is not None and app.ending is not None:
                break
        await settle(pilot)
        assert app.view is not None
        assert app.view.reason.startswith("watch: ")
        assert set(app.view.state.modules) == {"tests/test_util.py"}
        await pilot.press("w")
        await settle(pilot)
        assert not app.watching

    drive(make_app(broken), scenario)


def test_the_detail_pane_follows_its_test_as_a_live_run_reports_it(broken: Path) -> None:
    """The highlighted test was pending when drawn; its result redraws the pane."""
    nodeid = "tests/test_util.py::test_slugify"

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        view = live_view()
        feed(view, started(), collected(nodeid))
        app._show_view(view)
        app.query_one(TestTable).focus()
        await settle(pilot)
        detail = app.query_one("#detail").query_one(Static)
        assert "pending" in text_of(detail)
        feed(view, failed(nodeid, "AssertionError: 'a_b' != 'a-b'"))
        app._tick()
        await settle(pilot)
        assert "failed" in text_of(detail)
        assert "'a_b' != 'a-b'" in text_of(detail)

    drive(make_app(broken, open_log=False), scenario)
