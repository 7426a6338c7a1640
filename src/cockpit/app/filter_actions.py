"""The actions that choose what the screen shows and what every run selects: the ``-k`` and
``-m`` filters, the tabs, and the module filter."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, TabbedContent

from cockpit.app.core import CockpitCore
from cockpit.app.screens.prompt import PromptScreen, Refusal
from cockpit.app.views.workspace import expression_problem
from cockpit.session.recorded_run import ALL_TESTS

_TAB_FOCUS = {
    "modules-tab": "#modules",
    "clusters-tab": "#cluster-table",
    "session-tab": "#session",
}


class FilterActions(CockpitCore):
    """``/`` and ``m`` (filters for every run), ``1``/``2``/``3`` (tabs), ``ctrl+f``."""

    def action_set_keyword(self) -> None:
        def done(answer: str | None) -> None:
            if answer is None:
                return
            self.workspace.keyword = answer.strip()
            self.start_run(self.last_plan or ALL_TESTS)

        self.push_screen(
            PromptScreen(
                "-k expression for every run (empty clears it)",
                self.workspace.keyword,
                "e.g. not slow and api; applies to a, r, f and enter",
                check=_expression_check("-k"),
            ),
            done,
        )

    def action_set_marker(self) -> None:
        def done(answer: str | None) -> None:
            if answer is None:
                return
            self.workspace.marker = answer.strip()
            self.start_run(self.last_plan or ALL_TESTS)

        self.push_screen(
            PromptScreen(
                "-m marker expression for every run (empty clears it)",
                self.workspace.marker,
                "e.g. not slow; applies to a, r, f and enter",
                check=_expression_check("-m"),
            ),
            done,
        )

    def action_show_tab(self, tab: str) -> None:
        # Let go of the focus first: a focused widget left in the old tab would pull the
        # tabs back to it when Textual moves the focus away from the hidden pane.
        self.set_focus(None)
        self.query_one(TabbedContent).active = tab
        target = _TAB_FOCUS[tab]
        self.call_after_refresh(self.query_one(target).focus)

    def action_focus_filter(self) -> None:
        self.query_one(TabbedContent).active = "modules-tab"
        self.query_one("#module-filter", Input).focus()


def _expression_check(option: str) -> Callable[[str], Refusal | None]:
    def check(answer: str) -> Refusal | None:
        problem = expression_problem(option, answer)
        return Refusal(problem, may_insist=True) if problem else None

    return check
