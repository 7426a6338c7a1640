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

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Static

from cockpit.app.screens.form import FORM_KEYS, FormScreen, buttons, field_row, text_field
from cockpit.app.widgets.choice import Choice
from cockpit.isolation.workaround import VerifiedWorkaround, WorkaroundError
from cockpit.report.figures import plural

LEVELS = ("low", "medium", "high")

TESTS_SHOWN = 5


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


class FixForm(FormScreen[FixDraft | None]):
    """``prefilled=False``: the form opens before the session log has been read; ``prefill``
    brings the rest, and saving waits for it (the fix's evidence runs come with it)."""

    def __init__(self, draft: FixDraft, *, prefilled: bool = True) -> None:
        super().__init__()
        self.draft = draft
        self.waiting = not prefilled

    def compose(self) -> ComposeResult:
        draft = self.draft
        with VerticalScroll(can_focus=False):
            yield Static(Text("Log a fix", style="bold"))
            yield Static(FORM_KEYS, classes="form-keys")
            placement = "reading the session's runs…" if self.waiting else draft.placement
            yield Static(placement, id="placement", markup=False)
            yield from field_row(
                "title", text_field(draft.title, id="title", placeholder="what the fix does")
            )
            yield from field_row(
                "problem", text_field(draft.problem, id="problem-text", placeholder="the symptom")
            )
            yield from field_row(
                "root cause",
                text_field(draft.root_cause, id="root-cause", placeholder="why it happened"),
            )
            yield from field_row(
                "solution",
                text_field(draft.solution, id="solution", placeholder="what was changed"),
            )
            yield from field_row(
                "files",
                text_field(" ".join(draft.files), id="files", placeholder="path/a.py path/b.py"),
                "space-separated; changed between the run before and the proof",
            )
            yield from field_row("risk", Choice(LEVELS, draft.risk, id="risk"))
            yield from buttons("Save")

    def prefill(self, draft: FixDraft) -> None:
        """What the session log says of the fix, in every field still as it opened (what
        the user typed stays); the placement and evidence runs from here on."""
        if self not in self.app.screen_stack:
            return  # closed before the log was read
        for field_id, opened, found in (
            ("problem-text", self.draft.problem, draft.problem),
            ("root-cause", self.draft.root_cause, draft.root_cause),
            ("files", " ".join(self.draft.files), " ".join(draft.files)),
        ):
            field = self.query_one(f"#{field_id}", Input)
            if field.value == opened:
                field.value = found
                field.cursor_position = 0
        self.query_one("#placement", Static).update(draft.placement)
        self.draft, self.waiting = draft, False

    def action_save(self) -> None:
        title = self.value_of("title")
        if not title:
            self.show_problem("a fix needs a title: type what the fix does", "title")
            return
        if self.waiting:
            self.show_problem("still reading the session's runs for the fix's evidence: save again")
            return
        self.show_problem("")
        self.dismiss(
            dataclasses.replace(
                self.draft,
                title=title,
                problem=self.value_of("problem-text"),
                root_cause=self.value_of("root-cause"),
                solution=self.value_of("solution"),
                files=tuple(self.value_of("files").split()),
                risk=self.choice_of("risk"),
            )
        )


Verifier = Callable[[str, Sequence[str]], VerifiedWorkaround]


class KnownIssueForm(FormScreen[KnownIssueDraft | None]):
    def __init__(self, title: str, tests: Sequence[str], verify: Verifier) -> None:
        super().__init__()
        self.initial_title = title
        self.tests = tuple(tests)
        self.verify = verify

    def compose(self) -> ComposeResult:
        hidden = len(self.tests) - TESTS_SHOWN
        shown = "\n".join(self.tests[:TESTS_SHOWN]) + (
            f"\n… and {hidden} more" if hidden > 0 else ""
        )
        with VerticalScroll(can_focus=False):
            yield Static(Text("Add a known issue", style="bold"))
            yield Static(FORM_KEYS, classes="form-keys")
            yield from field_row("title", text_field(self.initial_title, id="title"))
            yield Label(plural(len(self.tests), "test"), classes="field-row")
            yield Static(Text(shown), classes="field-help")
            yield from field_row(
                "workaround",
                text_field(keyword_workaround(self.tests), id="workaround"),
                "-k / -m arguments, checked by a collect-only run on save; empty: none",
            )
            yield from field_row("priority", Choice(LEVELS, "medium", id="priority"))
            yield from field_row(
                "effort", text_field("", id="effort", placeholder="e.g. 2-3 hours")
            )
            yield from buttons("Verify and save")

    def action_save(self) -> None:
        title = self.value_of("title")
        if not title:
            self.show_problem("a known issue needs a title: type what is wrong", "title")
            return
        workaround = self.value_of("workaround") or None
        self.show_problem("verifying the workaround with a collect-only run…" if workaround else "")
        draft = KnownIssueDraft(
            title=title,
            tests=self.tests,
            workaround=workaround,
            verified=None,
            priority=self.choice_of("priority"),
            effort=self.value_of("effort"),
        )
        self._verify_and_save(draft)

    @work(thread=True, exclusive=True, group="known-issue")
    def _verify_and_save(self, draft: KnownIssueDraft) -> None:
        """The collect-only runs take seconds: off the event loop, answered by message."""
        if draft.workaround:
            try:
                verified = self.verify(draft.workaround, self.tests)
            except WorkaroundError as error:
                self.app.call_from_thread(self.show_problem, str(error), "workaround")
                return
            draft = dataclasses.replace(draft, verified=verified)
        self.app.call_from_thread(self.dismiss, draft)
