"""A keyed table drawn with Textual's Line API: each row's line is cached until that row
changes, and only the screen lines that changed are repainted.

Why not ``DataTable``: it keys all of its render caches on one update counter, so changing
a single cell re-renders every visible row (~25-30 ms a frame on the 2-core VM, measured by
``bench/bench_app_frames.py``), and during a run the module table changes on every tick.
Here a tick that changes five rows renders five lines; the others come from the cache.

The table knows nothing of tests or modules: rows are a key and a list of cells (rich
``Text``), in an order the caller sets. The cursor is a row; moving it posts
``RowHighlighted``, ``enter`` (or a click on the highlighted row) posts ``RowSelected``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

Shorten = Callable[[str, int], str]
"""How a column fits a long text in its width: (text, width) -> text at most that wide."""


def shorten_right(text: str, width: int) -> str:
    """``a_long_na…``: the default, keeping the start."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


@dataclass(frozen=True)
class Column:
    """One column: a fixed width, or ``width=0`` to take what the fixed ones leave."""

    key: str
    label: str
    width: int = 0
    justify: Literal["left", "right"] = "left"
    shorten: Shorten = shorten_right
    min_width: int = 8
    """The least a flexible column gets, however narrow the table."""


class RowTable(ScrollView, can_focus=True):
    """Rows by key, a fixed header line, a row cursor; rendered line by line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First", show=False),
        Binding("end,ctrl+end", "last", "Last", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"row-table--header", "row-table--cursor"}

    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
    }
    RowTable > .row-table--header {
        text-style: bold;
        background: $panel;
        color: $foreground;
    }
    RowTable > .row-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    RowTable:focus > .row-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """

    class RowMessage(Message):
        """About one row of a table, by key."""

        def __init__(self, table: RowTable, key: str) -> None:
            self.table = table
            self.key = key
            super().__init__()

        @property
        def control(self) -> RowTable:
            return self.table

    class RowHighlighted(RowMessage):
        """The cursor is on another row."""

    class RowSelected(RowMessage):
        """``enter`` on a row, or a click on the highlighted one."""

    def __init__(self, columns: Sequence[Column], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._columns = tuple(columns)
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._row_cells: dict[str, Sequence[Text]] = {}
        self._lines: dict[str, Strip] = {}
        """Each row's rendered line (base style applied), dropped when the row changes."""
        self._widths: list[int] = []
        self._width = -1
        """The content width the widths and cached lines were made for."""
        self._base_style: Style | None = None
        self._header_line: Strip | None = None
        self.cursor_row = 0
        self._highlighted: str | None = None
        """The key last announced by RowHighlighted: a message only when it changes."""

    # -- the rows ----------------------------------------------------------------------
    @property
    def row_keys(self) -> list[str]:
        """The keys in the order shown."""
        return list(self._keys)

    @property
    def row_count(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    @property
    def cursor_key(self) -> str | None:
        """The key of the highlighted row; None for an empty table."""
        return self._keys[self.cursor_row] if self._keys else None

    def cells(self, key: str) -> Sequence[Text]:
        return self._row_cells[key]

    def replace_rows(self, rows: Iterable[tuple[str, Sequence[Text]]]) -> None:
        """Show these rows, in this order, instead of the current ones."""
        self._row_cells = dict(rows)
        self._keys = list(self._row_cells)
        self._index = {key: index for index, key in enumerate(self._keys)}
        self._lines.clear()
        self._highlighted = None  # new rows: the row under the cursor is news, same key or not
        self._rows_changed()
        self.refresh()

    def set_row(self, key: str, cells: Sequence[Text]) -> bool:
        """Add the row (at the end) or change its cells; False when it shows the same."""
        before = self._row_cells.get(key)
        if before is not None and _same(before, cells):
            return False
        self._row_cells[key] = cells
        self._lines.pop(key, None)
        index = self._index.get(key)
        if index is None:
            self._index[key] = len(self._keys)
            self._keys.append(key)
            self._rows_changed()
            index = len(self._keys) - 1
        self._refresh_row(index)
        return True

    def reorder(self, keys: Sequence[str]) -> None:
        """Show the same rows in another order, repainting the lines whose row moved."""
        if list(keys) == self._keys:
            return
        if len(keys) != len(self._keys) or set(keys) != self._index.keys():
            raise ValueError("reorder() takes the same keys in another order")
        before = self._keys
        self._keys = list(keys)
        self._index = {key: index for index, key in enumerate(self._keys)}
        first, last = self._visible_rows()
        for index in range(first, min(last, len(keys))):
            if before[index] != keys[index]:
                self._refresh_row(index)

    def _rows_changed(self) -> None:
        """The row count changed: the scroll range and the cursor follow."""
        height = len(self._keys) + 1  # the header line
        if self.virtual_size.height != height:
            self.virtual_size = Size(0, height)
        self.move_cursor(min(self.cursor_row, max(0, len(self._keys) - 1)))

    # -- the cursor --------------------------------------------------------------------
    def move_cursor(self, index: int, *, scroll: bool = True) -> None:
        """Put the cursor on row ``index`` (clamped), scrolled into view."""
        index = max(0, min(index, len(self._keys) - 1)) if self._keys else 0
        if index != self.cursor_row:
            self._refresh_row(self.cursor_row)
            self.cursor_row = index
            self._refresh_row(index)
        if scroll:
            self._scroll_to_cursor()
        key = self.cursor_key
        if key is not None and key != self._highlighted:
            self._highlighted = key
            self.post_message(self.RowHighlighted(self, key))

    def move_cursor_to(self, key: str, *, scroll: bool = True) -> None:
        index = self._index.get(key)
        if index is not None:
            self.move_cursor(index, scroll=scroll)

    def _scroll_to_cursor(self) -> None:
        rows_shown = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + rows_shown:
            self.scroll_to(y=self.cursor_row - rows_shown + 1, animate=False, immediate=True)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self._page())

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._keys) - 1)

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        index = round(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self._keys):
            if index == self.cursor_row:
                self.action_select()
            else:
                self.move_cursor(index, scroll=False)

    # -- drawing -----------------------------------------------------------------------
    def _visible_rows(self) -> tuple[int, int]:
        top = round(self.scroll_y)
        return top, top + max(0, self.scrollable_content_region.height - 1)

    def _refresh_row(self, index: int) -> None:
        """Repaint the screen line of row ``index`` if it is on screen."""
        first, last = self._visible_rows()
        if first <= index < last:
            self.refresh_line(index + 1)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None  # a theme or pseudo-class change: every line anew

    def render_lines(self, crop: Region) -> list[Strip]:
        """Once per repaint: make sure widths and cached lines match the size and style."""
        width = self.scrollable_content_region.width
        base = self.rich_style
        if width != self._width or base != self._base_style:
            self._width, self._base_style = width, base
            self._widths = _fit(self._columns, width)
            self._lines.clear()
            self._header_line = None
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        base = self._base_style or self.rich_style
        if y == 0:
            if self._header_line is None:
                header_style = base + self.get_component_rich_style("row-table--header")
                labels = [Text(column.label) for column in self._columns]
                self._header_line = self._render_row(labels, header_style)
            return self._header_line
        index = round(self.scroll_y) + y - 1
        if index >= len(self._keys):
            return Strip.blank(self._width, base)
        key = self._keys[index]
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = self._render_row(self._row_cells[key], base)
        if index == self.cursor_row:
            cursor = self.get_component_rich_style("row-table--cursor")
            # The cursor's colours win over the cells' (their text marks still show).
            return Strip(Segment.apply_style(line, post_style=cursor), line.cell_length)
        return line

    def _render_row(self, cells: Sequence[Text], style: Style) -> Strip:
        parts: list[Text | str] = []
        for cell, column, width in zip(cells, self._columns, self._widths, strict=False):
            text = cell
            if cell.cell_len > width:
                text = Text(column.shorten(cell.plain, width), style=cell.style)
                if text.cell_len > width:  # a wide character at the edge
                    text.truncate(width)
            pad = " " * (width - text.cell_len)
            parts.extend((pad, text) if column.justify == "right" else (text, pad))
        line = Text.assemble(*parts, no_wrap=True, end="")
        segments = Segment.apply_style(line.render(self.app.console), style)
        return Strip(segments, sum(self._widths)).adjust_cell_length(self._width, style)


def _same(before: Sequence[Text], after: Sequence[Text]) -> bool:
    return len(before) == len(after) and all(
        a.plain == b.plain and a.style == b.style and a.spans == b.spans
        for a, b in zip(before, after, strict=True)
    )


def _fit(columns: Sequence[Column], width: int) -> list[int]:
    """Column widths for a content ``width``: flexible columns share what is left."""
    fixed = sum(column.width for column in columns)
    flexible = [column for column in columns if column.width == 0]
    if not flexible:
        return [column.width for column in columns]
    share = max(0, width - fixed) // len(flexible)
    return [column.width or max(column.min_width, share) for column in columns]
