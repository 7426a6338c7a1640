"""What every form of the app does the same way, so that each one takes typing at once.

The focus is in the first field when the form opens; every field is one line that shows
its text whether it has the focus or not; ``enter`` moves to the next field and saves on
the last one; ``ctrl+s`` saves from anywhere, ``escape`` cancels; a problem is said in the
form, next to the field it is about, which gets the focus.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from cockpit.app.widgets.choice import Choice

ResultT = TypeVar("ResultT")
FORM_KEYS = "enter: next field, saves on the last · ctrl+s saves · escape cancels"


def field_row(label: str, field: Widget, help_text: str = "") -> ComposeResult:
    """A labelled one-line field (``Input`` or ``Choice``), with a dim help line below."""
    field.add_class("field")
    with Horizontal(classes="field-row"):
        yield Label(label, classes="field-label")
        yield field
    if help_text:
        yield Static(Text(help_text, style="dim"), classes="field-help")


def text_field(value: str, *, id: str, placeholder: str = "") -> Input:
    """A one-line text field: compact, so its text shows while it has the focus."""
    return Input(value, id=id, placeholder=placeholder, compact=True)


def buttons(save: str) -> ComposeResult:
    yield Static("", id="problem", classes="-empty")
    with Horizontal(classes="form-buttons"):
        yield Button(save, variant="primary", id="save", compact=True)
        yield Button("Cancel", id="cancel", compact=True)


class FormScreen(ModalScreen[ResultT]):
    """A modal form; subclasses compose their fields with ``field_row`` and save."""

    AUTO_FOCUS = ".field"
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen > VerticalScroll {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    FormScreen .form-keys { color: $text-muted; margin-bottom: 1; }
    FormScreen .field-row { height: 1; margin-top: 1; }
    FormScreen .field-label { width: 12; color: $text-muted; }
    FormScreen Input.field { width: 1fr; padding: 0 1; background: $boost; }
    FormScreen Input.field:focus { background: $primary 30%; }
    FormScreen .field-help { padding-left: 13; }
    FormScreen #problem { color: $error; margin-top: 1; height: auto; }
    FormScreen #problem.-empty { display: none; }
    FormScreen .form-buttons { height: 1; margin-top: 1; }
    FormScreen .form-buttons Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
        # A priority binding, and the focus set at once: typing on straight after enter
        # goes to the next field (the Input's own enter posts a message, and focus() waits
        # a turn, so the keys that followed went into the field being left). Textual
        # resolves an editing key bound in the field (ctrl+u, backspace) once it has
        # bubbled up: one sent in the same instant as the enter after it (a script, not
        # a hand) lands in the next field.
        Binding("enter", "next_field", "Next field", show=False, priority=True),
    ]

    def fields(self) -> list[Widget]:
        """The form's fields in the order they are shown (and ``enter`` walks them)."""
        return [field for field in self.query(".field") if field.focusable]

    def action_next_field(self) -> None:
        """``enter``: the next field, or save on the last (a focused button is pressed)."""
        focused = self.focused
        if isinstance(focused, Button):
            focused.press()
            return
        fields = self.fields()
        if focused is None or focused not in fields or focused is fields[-1]:
            self.action_save()
        else:
            self.set_focus(fields[fields.index(focused) + 1])

    @on(events.DescendantBlur, "Input.field")
    def _show_start(self, event: events.DescendantBlur) -> None:
        """A field left shows the start of its text (a long one stays scrolled to its end)."""
        if isinstance(event.widget, Input):
            event.widget.cursor_position = 0

    def show_problem(self, text: str, field_id: str | None = None) -> None:
        """Say what is wrong in the form; the field it is about (if any) gets the focus."""
        problem = self.query_one("#problem", Static)
        problem.update(Text(text))
        problem.set_class(not text, "-empty")
        if field_id is not None:
            self.set_focus(self.query_one(f"#{field_id}"))
        problem.scroll_visible(animate=False)

    def value_of(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def choice_of(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Choice).value

    def action_save(self) -> None:
        raise NotImplementedError

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
