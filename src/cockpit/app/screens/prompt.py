"""A one-line question (the -k filter, a marker, a note): enter answers, escape cancels.

An answer the question cannot take is said in the prompt, which stays open. A check that
may be wrong (the app's pytest judging an expression for the project's pytest, which can be
another version) only warns: ``enter`` again on the same text answers with it anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class Refusal(NamedTuple):
    """Why an answer is not taken, and whether ``enter`` again may insist on it."""

    problem: str
    may_insist: bool = False


Check = Callable[[str], Refusal | None]


class PromptScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 72; max-width: 100%; height: auto;
        border: round $primary; background: $surface; padding: 0 1;
    }
    PromptScreen Label.help { color: $text-muted; }
    PromptScreen #prompt-problem { color: $error; height: auto; }
    """
    AUTO_FOCUS = "#answer"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, value: str = "", help_text: str = "", check: Check | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.help_text = help_text
        self.check = check
        self._warned: str | None = None
        """The answer last refused with a warning: ``enter`` on it again takes it."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(value=self.value, id="answer")
            yield Static("", id="prompt-problem")
            keys = "enter answers, escape cancels"
            yield Label(f"{self.help_text} · {keys}" if self.help_text else keys, classes="help")

    @on(Input.Submitted)
    def answer(self, event: Input.Submitted) -> None:
        refusal = self.check(event.value) if self.check is not None else None
        if refusal is None or (refusal.may_insist and self._warned == event.value):
            self.dismiss(event.value)
            return
        self._warned = event.value if refusal.may_insist else None
        insist = "; enter again runs it as it is" if refusal.may_insist else ""
        self.query_one("#prompt-problem", Static).update(Text(refusal.problem + insist))

    def action_cancel(self) -> None:
        self.dismiss(None)
