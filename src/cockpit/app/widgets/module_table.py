"""The module table: one row per test file with its live counts, failures first.

Drawn by ``RowTable``: a tick repaints only the rows of the modules its batch touched (and
the lines whose row moved when the order changed), never the whole table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType

from cockpit.app.views.known import known_mark
from cockpit.app.views.marks import (
    age_text,
    count_cell,
    keeping_age,
    module_mark,
    pass_rate,
    seconds,
)
from cockpit.app.views.run_view import RunView
from cockpit.app.widgets.row_table import Column, RowTable
from cockpit.engine.display import shorten_path, visible
from cockpit.engine.state import ModuleTally

SORTS = ("failures first", "name", "slowest")
_MOVES = frozenset({"up", "down", "pageup", "pagedown", "home", "end", "ctrl+home", "ctrl+end"})
# (attribute of the totals, header, width, style). No cell padding: each number column is
# one wider than its widest value, right-justified, which leaves the gap.
_COUNT_COLUMNS = (
    ("passed", "pass", 6, "green"),
    ("failed", "fail", 6, "bold red"),
    ("errors", "err", 5, "bold red"),
    ("skipped", "skip", 5, "yellow"),
    ("xfailed", "xf", 4, "yellow"),
)
COLUMNS = (
    Column("mark", " ", 3),
    Column("module", "module", shorten=keeping_age(shorten_path), min_width=12),
    *(Column(key, header, width, "right") for key, header, width, _ in _COUNT_COLUMNS),
    Column("todo", "todo", 6, "right"),
    Column("rate", "rate", 5, "right"),
    Column("time", "time", 7, "right"),
    Column("delta", "Δpass", 6, "right"),
)


def _rank(tally: ModuleTally, sort: str) -> tuple[float | int | str, ...]:
    if sort == "name":
        return (tally.path,)
    if sort == "slowest":
        return (-tally.duration, tally.path)
    order = {"conftest error": 0, "collection error": 0, "failing": 0, "running": 1}
    order.update({"partial": 2, "not run": 3})
    return (order.get(tally.status, 4), -tally.totals.failing, tally.path)


class ModuleTable(RowTable):
    """Per-module counts of the run on screen; ``s`` cycles the sort."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "cycle_sort", "Sort", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id)
        self.view: RunView | None = None
        self.sort_mode = SORTS[0]
        self.filter_text = ""
        self._follow_top = True
        """Until the user moves the cursor, it stays on the top row (the worst module)."""
        self.border_title = "modules"
        self.watching = False

    def show_view(self, view: RunView | None) -> None:
        """Show another run (or the same, rebuilt): every row anew."""
        selected = self.selected_module
        if view is not self.view:
            self._follow_top = True
        self.view = view
        if view is None:
            self.replace_rows(())
            return
        view.take_dirty_modules()
        tallies = [tally for tally in view.modules().values() if self._matches(tally.path)]
        tallies.sort(key=lambda tally: _rank(tally, self.sort_mode))
        self.replace_rows((tally.path, self._cells(tally)) for tally in tallies)
        self._place_cursor(selected)

    def refresh_modules(self, modules: Iterable[str]) -> None:
        """Rewrite the rows of ``modules`` (added if new), then keep the sort."""
        view = self.view
        if view is None:
            return
        changed = False
        for path in modules:
            tally = view.module_tally(path)
            if tally is not None and self._matches(path):
                changed = self.set_row(path, self._cells(tally)) or changed
        if changed:
            self._sort(self.selected_module)

    def _cells(self, tally: ModuleTally) -> list[Text]:
        totals = tally.totals
        ran = tally.finished
        delta = self.view.passed_delta(tally.path) if self.view else None
        delta_cell = Text(f"{delta:+d}", style="green" if delta > 0 else "red") if delta else Text()
        return [
            self._mark(tally),
            self._module_name(tally.path),
            *(count_cell(getattr(totals, key), style) for key, _, _, style in _COUNT_COLUMNS),
            self._todo(tally),
            Text(pass_rate(tally)),
            Text(seconds(tally.duration) if ran else "-"),
            delta_cell,
        ]

    def _module_name(self, path: str) -> Text:
        """The module's path, and how old its results are when this run did not touch it."""
        age = self.view.age(path) if self.view else None
        if age is None:
            return Text(visible(path))
        return Text(visible(path), style="dim") + age_text(age, saves=self.watching)

    def set_watching(self, watching: bool) -> None:
        """Under watch, results are ``2 saves ago``; else ``run 3``."""
        if watching != self.watching:
            self.watching = watching
            self.show_view(self.view)

    def _mark(self, tally: ModuleTally) -> Text:
        """The module's state, after ``K`` when it holds tests a known issue names."""
        known = self.view is not None and self.view.known.in_module(tally.path) > 0
        return known_mark(known) + module_mark(tally.status)

    def _todo(self, tally: ModuleTally) -> Text:
        """Tests left to run; for a folder a failing conftest blocks, every test under it."""
        if tally.blocked_by is not None and self.view is not None:
            return count_cell(self.view.blocked_tests(tally.path), "bold red")
        return count_cell(tally.not_run + tally.running, "cyan")

    # -- order and filter ------------------------------------------------------------
    def _matches(self, path: str) -> bool:
        return self.filter_text.lower() in path.lower()

    def _sort(self, keep: str | None) -> None:
        view = self.view
        if view is None:
            return
        modules, mode = view.modules(), self.sort_mode
        self.reorder(sorted(self.row_keys, key=lambda path: _rank(modules[path], mode)))
        self._place_cursor(keep)

    def _place_cursor(self, keep: str | None) -> None:
        """After a re-sort: the top row until the user moves, else the module they chose,
        scrolled into view (it moves as its tests finish: the view follows it)."""
        if self._follow_top:
            self.move_cursor(0)
        elif keep is not None and keep in self:
            self.move_cursor_to(keep)

    def on_key(self, event: events.Key) -> None:
        if event.key in _MOVES:
            self._follow_top = False

    @on(events.Click)
    def _stop_following(self) -> None:
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

    @property
    def selected_module(self) -> str | None:
        return self.cursor_key
