"""The module table: one row per test file with its live counts, failures first.

Column widths are fixed (measuring a column re-reads every row: ~0.45 s on 10k rows), and
only the rows of modules a batch touched are rewritten, on the app's repaint timer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from cockpit.app.marks import count_cell, module_mark, seconds
from cockpit.app.run_view import RunView
from cockpit.app.widgets.cursor import key_at_cursor
from cockpit.headless import shorten_left
from cockpit.state import ModuleTally

SORTS = ("failures first", "name", "slowest")
_MOVES = frozenset({"up", "down", "pageup", "pagedown", "home", "end", "ctrl+home", "ctrl+end"})
# (key, header, width); the module column takes what is left.
# No cell padding (it would take 22 columns): each number column is one wider than its
# widest value, right-justified, which leaves the gap.
_COUNT_COLUMNS = (
    ("passed", "pass", 6, "green"),
    ("failed", "fail", 6, "bold red"),
    ("errors", "err", 5, "bold red"),
    ("skipped", "skip", 5, "yellow"),
    ("xfailed", "xf", 4, "yellow"),
)
_FIXED = 3 + 6 + 6 + 5 + 5 + 4 + 6 + 5 + 8 + 6  # every column but the module's


class PathText(Text):
    """A cell showing a (possibly shortened) path that remembers the whole one, to sort by."""

    __slots__ = ("path",)

    def __init__(self, shown: str, path: str) -> None:
        super().__init__(shown)
        self.path = path


def _rank(tally: ModuleTally, sort: str) -> tuple[float | int | str, ...]:
    if sort == "name":
        return (tally.path,)
    if sort == "slowest":
        return (-tally.duration, tally.path)
    order = {"collection error": 0, "failing": 0, "running": 1, "partial": 2, "not run": 3}
    return (order.get(tally.status, 4), -tally.totals.failing, tally.path)


class ModuleTable(DataTable[Text]):
    """Per-module counts of the run on screen; ``s`` cycles the sort."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "cycle_sort", "Sort", show=False),
    ]

    class ModuleHighlighted(Message):
        def __init__(self, path: str) -> None:
            self.path = path
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=0)
        self.view: RunView | None = None
        self.sort_mode = SORTS[0]
        self.filter_text = ""
        self._module_width = 30
        self._follow_top = True
        """Until the user moves the cursor, it stays on the top row (the worst module)."""
        self.border_title = "modules"

    # -- building --------------------------------------------------------------------
    def _columns(self) -> None:
        self.clear(columns=True)
        self._shown: dict[str, list[str]] = {}
        """Each row's cells as shown (plain text), to rewrite only what changed."""
        self.add_column(" ", key="mark", width=3)
        self.add_column("module", key="module", width=self._module_width)
        for key, header, width, _ in _COUNT_COLUMNS:
            self.add_column(Text(header, justify="right"), key=key, width=width)
        self.add_column(Text("todo", justify="right"), key="todo", width=6)
        self.add_column(Text("rate", justify="right"), key="rate", width=5)
        self.add_column(Text("time", justify="right"), key="time", width=8)
        self.add_column(Text("Δpass", justify="right"), key="delta", width=6)

    def on_resize(self) -> None:
        width = max(12, self.size.width - _FIXED - 2)  # 2: the vertical scrollbar
        if width != self._module_width:
            self._module_width = width
            self.show_view(self.view)

    def show_view(self, view: RunView | None) -> None:
        """Show another run (or the same, rebuilt): every row anew."""
        selected = self.selected_module
        if view is not self.view:
            self._follow_top = True
        self.view = view
        self._columns()
        if view is None:
            return
        view.take_dirty_modules()
        for tally in view.state.modules.values():
            if self._matches(tally.path):
                cells = self._cells(tally)
                self.add_row(*cells, key=tally.path)
                self._shown[tally.path] = [cell.plain for cell in cells]
        self._sort(selected)

    def refresh_modules(self, modules: Iterable[str]) -> None:
        """Rewrite the rows of ``modules`` (added if new), then keep the sort."""
        view = self.view
        if view is None:
            return
        changed = False
        for path in modules:
            tally = view.state.modules.get(path)
            if tally is None or not self._matches(path):
                continue
            cells = self._cells(tally)
            shown = self._shown.get(path)
            if shown is None:
                self.add_row(*cells, key=path)
            else:
                # Only the cells whose text changed: each update costs a call and a repaint.
                updates = [
                    (column, value)
                    for column, value, before in zip(self.columns, cells, shown, strict=True)
                    if value.plain != before
                ]
                if not updates:
                    continue
                for column, value in updates:
                    self.update_cell(path, column, value)
            self._shown[path] = [cell.plain for cell in cells]
            changed = True
        if changed:
            self._sort(self.selected_module)

    def _cells(self, tally: ModuleTally) -> list[Text]:
        totals = tally.totals
        ran = tally.finished
        rate = f"{100 * totals.passed // ran}%" if ran else "-"
        delta = self.view.passed_delta(tally.path) if self.view else None
        delta_cell = Text(
            "" if not delta else f"{delta:+d}",
            style="green" if (delta or 0) > 0 else "red",
            justify="right",
        )
        return [
            Text(" ") + module_mark(tally.status) + Text(" "),
            PathText(shorten_left(tally.path, self._module_width), tally.path),
            *(count_cell(getattr(totals, key), style) for key, _, _, style in _COUNT_COLUMNS),
            count_cell(tally.not_run + tally.running, "cyan"),
            Text(rate, justify="right"),
            Text(seconds(tally.duration) if ran else "-", justify="right"),
            delta_cell,
        ]

    # -- order and filter ------------------------------------------------------------
    def _matches(self, path: str) -> bool:
        return self.filter_text.lower() in path.lower()

    def _sort(self, keep: str | None) -> None:
        view = self.view
        if view is None:
            return
        modules = view.state.modules
        mode = self.sort_mode

        def rank(cell: PathText) -> tuple[float | int | str, ...]:
            return _rank(modules[cell.path], mode)

        self.sort("module", key=rank)
        if self._follow_top:
            self.move_cursor(row=0, scroll=False)
        elif keep is not None and keep in self.rows:
            self.move_cursor(row=self.get_row_index(keep), scroll=False)

    def on_key(self, event: events.Key) -> None:
        if event.key in _MOVES:
            self._follow_top = False

    def on_click(self) -> None:
        self._follow_top = False

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        self.show_view(self.view)
        title = f"modules matching {self.filter_text!r}" if self.filter_text else "modules"
        self.border_title = title

    def action_cycle_sort(self) -> None:
        self.sort_mode = SORTS[(SORTS.index(self.sort_mode) + 1) % len(SORTS)]
        self.border_subtitle = f"sort: {self.sort_mode}"
        self._sort(self.selected_module)

    # -- selection -------------------------------------------------------------------
    @property
    def selected_module(self) -> str | None:
        return key_at_cursor(self)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.ModuleHighlighted(str(event.row_key.value)))
