"""The export preview (E): the session summary rendered as it will be saved; ``s`` saves."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown, Static

from cockpit.app.widgets.run_header import project_label
from cockpit.engine.display import shorten_path
from cockpit.errors import CockpitError


def save_line(target: Path, width: int) -> str:
    """``s saves it to ~/src/shop/cockpit-session-3.md; escape closes``, the path cut at
    folder boundaries to fit ``width`` (its file name always whole)."""
    path = project_label(target)
    words = ("s saves it to ", "; escape closes")
    room = width - sum(len(word) for word in words)
    if room < len(target.name) + 2:
        words = ("s: save to ", "")
        room = width - len(words[0])
    return f"{words[0]}{shorten_path(path, max(room, len(target.name)))}{words[1]}"


class ExportScreen(ModalScreen[None]):
    """Shows the Markdown summary of the current session; saves it whole or not at all."""

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > VerticalScroll {
        width: 95%; height: 90%; border: round $primary; background: $surface;
    }
    ExportScreen #export-status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "save", "Save"),
        Binding("escape,q", "close", "Close"),
    ]

    def __init__(self, markdown: str, target: Path) -> None:
        super().__init__()
        self.markdown = markdown
        self.target = target
        self.saved: Path | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll() as preview:
            preview.border_title = "the session summary, as it will be saved"
            yield Markdown(self.markdown)
        yield Static(save_line(self.target, self.app.size.width - 2), id="export-status")
        yield Footer()

    def on_resize(self) -> None:
        width = self.query_one("#export-status", Static).content_region.width
        self.query_one("#export-status", Static).update(save_line(self.target, width))

    def action_save(self) -> None:
        self._save()

    @work(thread=True, exclusive=True, group="export-save")
    def _save(self) -> None:
        from cockpit.report.output import write_atomically

        try:
            write_atomically(self.target, self.markdown)
        except CockpitError as error:
            self.app.call_from_thread(self.app.notify, str(error), severity="error")
            return
        self.saved = self.target
        self.app.call_from_thread(self.app.notify, f"saved {self.target}")
        self.app.call_from_thread(self.dismiss, None)

    def action_close(self) -> None:
        self.dismiss(None)
