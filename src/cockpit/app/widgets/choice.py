"""One of a few words on one line (a fix's risk, an issue's priority): a form field that
takes typing like the text fields around it.

Why not ``Select``: it is three lines high and ``enter`` opens a menu, so a form filled from
the keyboard (``enter`` moves to the next field, and saves on the last) would stop at it.
Here ``left``/``right`` or a word's first letter chooses, and ``enter`` moves on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class Choice(Widget, can_focus=True):
    """The chosen word is in brackets (and highlighted), so it reads without colour too."""

    DEFAULT_CSS = """
    Choice { height: 1; width: 1fr; padding: 0 1; background: $boost; }
    Choice:focus { background: $primary 30%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Previous", show=False),
        Binding("right", "move(1)", "Next", show=False),
        Binding("enter", "submit", "Next field", show=False),
    ]

    value: reactive[str] = reactive("", init=False)

    class Submitted(Message):
        """``enter`` on the choice: the form moves to its next field (or saves)."""

        def __init__(self, choice: Choice) -> None:
            self.choice = choice
            super().__init__()

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, options: Sequence[str], value: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        if not options:
            raise ValueError("a Choice needs at least one option")
        self.options = tuple(options)
        self.set_reactive(Choice.value, value if value in self.options else self.options[0])

    def render(self) -> Text:
        text = Text(no_wrap=True)
        for option in self.options:
            if option == self.value:
                text.append(f"[{option}]", style="bold reverse")
            else:
                text.append(f" {option} ", style="dim")
            text.append(" ")
        text.append(" ←/→ or the first letter", style="dim italic")
        return text

    def action_move(self, step: int) -> None:
        index = self.options.index(self.value)
        self.value = self.options[(index + step) % len(self.options)]

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self))

    def on_key(self, event: events.Key) -> None:
        character = (event.character or "").lower()
        for option in self.options:
            if character and option.lower().startswith(character):
                self.value = option
                event.stop()
                return

    def on_click(self, event: events.Click) -> None:
        """A click on a word chooses it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        start = 0
        for option in self.options:
            end = start + len(option) + 2
            if start <= offset.x < end:
                self.value = option
                return
            start = end + 1
