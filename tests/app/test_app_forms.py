"""The app's forms and prompts take typing: every test here presses keys, as a user does,
and reads what the screen shows; none sets a widget's value.

F (fix), K (known issue), / (-k), m (-m) and n (note): the focus is in the first field on
open, typed text shows at once (focused or not), enter walks the fields and saves on the
last, escape cancels, and problems are said in the form.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from cockpit.app import session_actions
from cockpit.app.app import CockpitApp
from cockpit.app.screens.forms import FixForm, KnownIssueForm
from cockpit.app.screens.prompt import PromptScreen
from cockpit.app.widgets.choice import Choice
from cockpit.app.widgets.test_table import TestTable
from cockpit.session.fixes import FixPrefill, fix_prefill
from cockpit.store.session_log import SessionLog
from tests.app.app_support import make_app, run_and_settle, screen_lines, settle, type_text
from tests.app.test_app_keys import drive, runs_of
from tests.helpers import open_log

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("own_config")]


def shown(app: CockpitApp) -> str:
    return "\n".join(screen_lines(app))


def row_of(app: CockpitApp, label: str) -> str:
    """The screen line of the form field labelled ``label``."""
    return next(line for line in screen_lines(app) if f" {label}  " in line)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_f_takes_typing_field_by_field_and_enter_on_the_last_saves(
    broken: Path, size: tuple[int, int]
) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        await run_and_settle(pilot, "F")
        form = app.screen
        assert isinstance(form, FixForm)
        assert app.focused is form.query_one("#title")
        await type_text(pilot, "Import the Tag model")
        await pilot.pause()
        assert "Import the Tag model" in row_of(app, "title")  # shows while focused
        await pilot.press("enter")
        assert app.focused is form.query_one("#problem-text")
        assert "Import the Tag model" in row_of(app, "title")  # and once left
        await pilot.press("enter", "enter")
        assert app.focused is form.query_one("#solution")
        await type_text(pilot, "import Tag in app.models")
        await pilot.press("enter")
        await type_text(pilot, "app/models/__init__.py")
        await pilot.press("enter")
        assert app.focused is form.query_one("#risk", Choice)
        await pilot.press("h")
        await pilot.pause()
        assert "[high]" in row_of(app, "risk")
        await run_and_settle(pilot, "enter")
        assert not isinstance(app.screen, FixForm)

    drive(make_app(broken), scenario, size=size)
    log = open_log(broken)
    (fix,) = log.fixes()
    log.close()
    assert (fix.title, fix.solution, fix.risk) == (
        "Import the Tag model",
        "import Tag in app.models",
        "high",
    )
    assert fix.files == ["app/models/__init__.py"] and fix.problem.startswith("20 failing")


def test_typing_straight_after_f_goes_into_the_form(
    broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form opens before the session log has been read: the keys that follow ``F`` at
    once are the title (an ``i`` on the main screen would start isolation, an ``f`` a run).
    The real read of the log is held back until the title is typed, as a busy disk does."""
    log_read = threading.Event()

    def slow_prefill(log: SessionLog, root: Path) -> FixPrefill:
        assert log_read.wait(10)
        return fix_prefill(log, root)

    monkeypatch.setattr(session_actions, "fix_prefill", slow_prefill)

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        await pilot.press("F", *"fix it")
        form = app.screen
        assert isinstance(form, FixForm) and form.waiting
        assert [type(screen).__name__ for screen in app.screen_stack[1:]] == ["FixForm"]
        assert form.query_one("#title", Input).value == "fix it"
        await pilot.press("ctrl+s")
        assert "still reading the session's runs" in shown(app)
        log_read.set()
        for _ in range(200):
            if not form.waiting:
                break
            await pilot.pause(0.05)
        assert form.query_one("#problem-text", Input).value.startswith("20 failing")
        assert form.query_one("#title", Input).value == "fix it"
        await run_and_settle(pilot, "ctrl+s")
        assert not isinstance(app.screen, FixForm)

    drive(make_app(broken), scenario, size=(80, 24))
    log = open_log(broken)
    (fix,) = log.fixes()
    log.close()
    assert fix.title == "fix it"


def test_f_says_a_missing_title_in_the_form_and_escape_cancels(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        await run_and_settle(pilot, "F")
        form = app.screen
        assert isinstance(form, FixForm)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and app.focused is form.query_one("#title")
        assert "a fix needs a title" in shown(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, FixForm)

    drive(make_app(broken), scenario, size=(80, 24))
    log = open_log(broken)
    assert log.fixes() == []
    log.close()


def test_k_takes_typing_checks_the_workaround_and_saves_on_the_last_field(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        tests = app.query_one(TestTable)
        tests.focus()
        await pilot.press("down")
        await run_and_settle(pilot, "K")
        form = app.screen
        assert isinstance(form, KnownIssueForm)
        title = form.query_one("#title", Input)
        assert app.focused is title
        await pilot.press("ctrl+u")  # the prefilled title (the root cause) goes
        await type_text(pilot, "Tags need the model import")
        await pilot.press("enter")
        assert "Tags need the model import" in row_of(app, "title")
        assert app.focused is form.query_one("#workaround")
        await pilot.press("enter", "h", "enter")
        assert app.focused is form.query_one("#effort")
        await type_text(pilot, "2h")
        await pilot.pause()
        assert "2h" in row_of(app, "effort")
        await pilot.press("enter")  # the last field: verify (a collect-only run), then save
        await settle(pilot)
        assert not isinstance(app.screen, KnownIssueForm)

    drive(make_app(broken), scenario, size=(80, 24))
    log = open_log(broken)
    (issue,) = log.known_issues()
    log.close()
    assert (issue.title, issue.priority, issue.effort) == (
        "Tags need the model import",
        "high",
        "2h",
    )
    assert len(issue.tests) == 1 and issue.tests[0] in issue.deselected


def test_k_says_a_workaround_that_deselects_nothing_next_to_it(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        await run_and_settle(pilot, "K")
        form = app.screen
        assert isinstance(form, KnownIssueForm)
        await type_text(pilot, " x")
        await pilot.press("enter", "ctrl+u")
        await type_text(pilot, "-k 'not no_such_test_name'")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert app.focused is form.query_one("#workaround")
        assert "deselects none" in shown(app)

    drive(make_app(broken), scenario, size=(80, 24))


def test_slash_says_an_expression_pytest_cannot_parse_and_runs_a_fixed_one(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        assert app.focused is app.screen.query_one("#answer")
        await type_text(pilot, "excerpt and")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)  # still open, and says why
        assert "does not parse" in shown(app) and "enter again" in shown(app)
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await run_and_settle(pilot, "enter")
        assert not isinstance(app.screen, PromptScreen)
        assert app.workspace.keyword == "excerpt"

    drive(make_app(broken), scenario, size=(80, 24))
    assert runs_of(broken)[0][1] == "the whole suite (subset: -k excerpt)"


def test_enter_again_on_a_refused_expression_runs_it_as_it_is(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await pilot.press("m")
        await pilot.pause()
        await type_text(pilot, "slow or")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await run_and_settle(pilot, "enter")
        assert app.workspace.marker == "slow or"
        assert app.ending == "usage-error"  # pytest itself refused it

    drive(make_app(broken), scenario, size=(80, 24))


def test_n_refuses_an_empty_note_in_the_prompt_and_saves_a_typed_one(broken: Path) -> None:
    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        assert "a note needs some text" in shown(app)
        await type_text(pilot, "mapper theory")
        await pilot.pause()
        assert "mapper theory" in shown(app)
        await run_and_settle(pilot, "enter")
        assert not isinstance(app.screen, PromptScreen)

    drive(make_app(broken), scenario, size=(80, 24))
    log = open_log(broken)
    assert [note.text for note in log.notes(log.active_session().id)] == ["mapper theory"]
    log.close()
