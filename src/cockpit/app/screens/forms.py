"""The two forms of a fix session: log a fix (F) and add a known issue (K).

Both arrive prefilled from what the app knows (the root causes the last fix made go away,
or the selected cluster; the files that changed between the runs; the selected failing
tests); the known-issue form checks its workaround with a
real collect-only run before it lets the issue be saved.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from cockpit.isolation.workaround import VerifiedWorkaround, WorkaroundError

LEVELS = ("low", "medium", "high")

_FORM_CSS = """
{name} {{ align: center middle; }}
{name} > VerticalScroll {{
    width: 90; max-width: 100%; height: auto; max-height: 95%;
    border: round $primary; background: $surface; padding: 0 1;
}}
{name} Label {{ margin-top: 1; color: $text-muted; }}
{name} Input {{ border: none; height: 1; padding: 0 1; background: $boost; }}
{name} Input:focus {{ background: $primary 30%; }}
{name} Select {{ width: 20; }}
{name} #problem {{ color: $error; }}
{name} Horizontal {{ height: auto; margin-top: 1; }}
"""


@dataclass(frozen=True, slots=True)
class FixDraft:
    title: str
    problem: str
    root_cause: str
    solution: str
    files: tuple[str, ...]
    risk: str
    before_run: int | None = None
    """Where the fix sits among the runs (``session.fixes.place_fix``), kept as found."""
    evidence_run: int | None = None
    placement: str = ""
    """``run 1 -> run 2: 20 tests flipped to pass``, shown above the fields."""


@dataclass(frozen=True, slots=True)
class KnownIssueDraft:
    title: str
    tests: tuple[str, ...]
    workaround: str | None
    verified: VerifiedWorkaround | None
    priority: str
    effort: str


def keyword_workaround(nodeids: Sequence[str]) -> str:
    """``-k "not (a or b)"`` naming each test by its function name (params kept)."""
    names = []
    for nodeid in nodeids:
        name = nodeid.rsplit("::", 1)[-1]
        if re.fullmatch(r"[\w\[\]\-.]+", name) and name not in names:
            names.append(name)
    if not names:
        return ""
    expression = names[0] if len(names) == 1 else "(" + " or ".join(names) + ")"
    return "-k " + shlex.quote(f"not {expression}")


class FixForm(ModalScreen[FixDraft | None]):
    DEFAULT_CSS = _FORM_CSS.format(name="FixForm")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, draft: FixDraft) -> None:
        super().__init__()
        self.draft = draft

    def compose(self) -> ComposeResult:
        draft = self.draft
        with VerticalScroll():
            yield Static("[b]Log a fix[/b]  (ctrl+s saves, escape cancels)")
            yield Static(draft.placement, id="placement", markup=False)
            yield Label("title")
            yield Input(draft.title, id="title", placeholder="what the fix does")
            yield Label("problem (the symptom)")
            yield Input(draft.problem, id="problem-text")
            yield Label("root cause")
            yield Input(draft.root_cause, id="root-cause")
            yield Label("solution")
            yield Input(draft.solution, id="solution")
            yield Label("files (space-separated; changed between the run before and the proof)")
            yield Input(" ".join(draft.files), id="files")
            yield Label("risk")
            yield Select([(level, level) for level in LEVELS], value=draft.risk, id="risk")
            yield Static("", id="problem")
            with Horizontal():
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def action_save(self) -> None:
        title = self._value("title")
        if not title:
            self.query_one("#problem", Static).update("a fix needs a title")
            self.query_one("#title", Input).focus()
            return
        risk = self.query_one("#risk", Select).value
        self.dismiss(
            dataclasses.replace(
                self.draft,
                title=title,
                problem=self._value("problem-text"),
                root_cause=self._value("root-cause"),
                solution=self._value("solution"),
                files=tuple(self._value("files").split()),
                risk=risk if isinstance(risk, str) else "low",
            )
        )

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


Verifier = Callable[[str, Sequence[str]], VerifiedWorkaround]


class KnownIssueForm(ModalScreen[KnownIssueDraft | None]):
    DEFAULT_CSS = _FORM_CSS.format(name="KnownIssueForm")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, title: str, tests: Sequence[str], verify: Verifier) -> None:
        super().__init__()
        self.initial_title = title
        self.tests = tuple(tests)
        self.verify = verify

    def compose(self) -> ComposeResult:
        shown = "\n".join(self.tests[:8]) + (
            f"\n… and {len(self.tests) - 8} more" if len(self.tests) > 8 else ""
        )
        with VerticalScroll():
            yield Static("[b]Add a known issue[/b]  (ctrl+s verifies and saves)")
            yield Label("title")
            yield Input(self.initial_title, id="title")
            yield Label(f"tests ({len(self.tests)})")
            yield Static(shown, markup=False)
            yield Label("workaround (-k / -m; checked by a collect-only run; empty for none)")
            yield Input(keyword_workaround(self.tests), id="workaround")
            yield Label("priority")
            yield Select([(level, level) for level in LEVELS], value="medium", id="priority")
            yield Label("effort")
            yield Input("", id="effort", placeholder="e.g. 2-3 hours")
            yield Static("", id="problem")
            with Horizontal():
                yield Button("Verify and save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def action_save(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.query_one("#problem", Static).update("a known issue needs a title")
            return
        workaround = self.query_one("#workaround", Input).value.strip() or None
        self.query_one("#problem", Static).update(
            "verifying the workaround with a collect-only run…" if workaround else ""
        )
        priority = self.query_one("#priority", Select).value
        draft = KnownIssueDraft(
            title=title,
            tests=self.tests,
            workaround=workaround,
            verified=None,
            priority=priority if isinstance(priority, str) else "medium",
            effort=self.query_one("#effort", Input).value.strip(),
        )
        self._verify_and_save(draft)

    @work(thread=True, exclusive=True, group="known-issue")
    def _verify_and_save(self, draft: KnownIssueDraft) -> None:
        """The collect-only runs take seconds: off the event loop, answered by message."""
        if draft.workaround:
            try:
                verified = self.verify(draft.workaround, self.tests)
            except WorkaroundError as error:
                self.app.call_from_thread(self._show_problem, str(error))
                return
            draft = dataclasses.replace(draft, verified=verified)
        self.app.call_from_thread(self.dismiss, draft)

    def _show_problem(self, text: str) -> None:
        self.query_one("#problem", Static).update(text)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
