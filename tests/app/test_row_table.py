"""RowTable: the Line-API table under the module and test tables."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip

from cockpit.app.widgets.row_table import Column, RowTable, _fit, shorten_right
from cockpit.cli.headless import shorten_left
from tests.app.app_support import lines_of

COLUMNS = (
    Column("mark", " ", 3),
    Column("path", "path", shorten=shorten_left),
    Column("count", "n", 5, "right"),
)


class CountingTable(RowTable):
    """Counts the rows it renders: what the line cache saves."""

    def __init__(self) -> None:
        super().__init__(COLUMNS, id="table")
        self.rendered: list[str] = []

    def _render_row(self, cells: Sequence[Text], style: Style) -> Strip:
        if cells[1].plain != "path":  # not the header
            self.rendered.append(cells[1].plain)
        return super()._render_row(cells, style)


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield CountingTable()

    def on_row_table_row_highlighted(self, event: RowTable.RowHighlighted) -> None:
        self.messages.append(("highlighted", event.key))

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        self.messages.append(("selected", event.key))


def row(path: str, count: int = 0) -> tuple[str, list[Text]]:
    return path, [Text(" x"), Text(path), Text(str(count))]


def drive(scenario: Callable[[TableApp, CountingTable, Pilot[None]], Awaitable[None]]) -> None:
    async def main() -> None:
        app = TableApp()
        async with app.run_test(size=(40, 8)) as pilot:
            table = app.query_one(CountingTable)
            table.focus()
            await scenario(app, table, pilot)

    asyncio.run(main())


def test_flexible_columns_share_what_the_fixed_ones_leave() -> None:
    assert _fit(COLUMNS, 40) == [3, 32, 5]
    assert _fit(COLUMNS, 10) == [3, 8, 5]  # never under min_width
    two = (Column("a", "a"), Column("b", "b", 4), Column("c", "c"))
    assert _fit(two, 24) == [10, 4, 10]


def test_shorten_right_keeps_the_start() -> None:
    assert shorten_right("abcdef", 6) == "abcdef"
    assert shorten_right("abcdefgh", 6) == "abcde…"


def test_lines_are_header_then_rows_fitted_and_justified() -> None:
    async def scenario(app: TableApp, table: CountingTable, pilot: Pilot[None]) -> None:
        long = "tests/" + "deep/" * 10 + "test_x.py"
        table.replace_rows([row("tests/a.py", 7), row(long, 12)])
        await pilot.pause()
        shown = lines_of(table)
        width = table.scrollable_content_region.width
        assert shown[0] == "   path" + " " * (width - 3 - 4 - 5) + "    n"
        assert shown[1].startswith(" x tests/a.py ") and shown[1].endswith("    7")
        assert shown[2].startswith(" x …") and shown[2].endswith("test_x.py   12")
        assert all(len(line) <= width for line in shown)

    drive(scenario)


def test_a_changed_row_is_the_only_one_rendered_again() -> None:
    async def scenario(app: TableApp, table: CountingTable, pilot: Pilot[None]) -> None:
        table.replace_rows([row(f"t{i}.py", i) for i in range(5)])
        await pilot.pause()
        assert sorted(table.rendered) == [f"t{i}.py" for i in range(5)]
        table.rendered.clear()
        assert table.set_row("t3.py", row("t3.py", 99)[1])
        assert not table.set_row("t1.py", row("t1.py", 1)[1])  # the same cells: nothing
        await pilot.pause()
        assert table.rendered == ["t3.py"]
        assert lines_of(table)[4].endswith("   99")

    drive(scenario)


def test_reorder_moves_rows_without_rendering_them_again() -> None:
    async def scenario(app: TableApp, table: CountingTable, pilot: Pilot[None]) -> None:
        table.replace_rows([row("a.py"), row("b.py"), row("c.py")])
        await pilot.pause()
        table.rendered.clear()
        table.reorder(["c.py", "a.py", "b.py"])
        await pilot.pause()
        assert table.row_keys == ["c.py", "a.py", "b.py"]
        assert [line.split()[1] for line in lines_of(table)[1:4]] == ["c.py", "a.py", "b.py"]
        assert table.rendered == []
        with pytest.raises(ValueError, match="same keys"):
            table.reorder(["a.py", "b.py"])

    drive(scenario)


def test_set_row_adds_a_new_key_at_the_end() -> None:
    async def scenario(app: TableApp, table: CountingTable, pilot: Pilot[None]) -> None:
        table.replace_rows([row("a.py")])
        table.set_row(*row("b.py"))
        await pilot.pause()
        assert table.row_keys == ["a.py", "b.py"] and "b.py" in table
        assert lines_of(table)[2].split()[1] == "b.py"

    drive(scenario)


def test_keys_move_the_cursor_scroll_and_select() -> None:
    async def scenario(app: TableApp, table: CountingTable, pilot: Pilot[None]) -> None:
        table.replace_rows([row(f"t{i:02}.py") for i in range(30)])
        await pilot.pause()
        assert app.messages == [("highlighted", "t00.py")]
        await pilot.press("up")  # already at the top: nothing new
        await pilot.press("down", "down")
        assert table.cursor_key == "t02.py"
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == "t29.py"
        assert "t29.py" in lines_of(table)[-1]  # scrolled into view, above the header
        assert lines_of(table)[0].split() == ["path", "n"]
        await pilot.press("pageup", "home")
        assert table.cursor_key == "t00.py"
        await pilot.press("enter")
        await pilot.pause()
        assert app.messages[:3] == [
            ("highlighted", "t00.py"),
            ("highlighted", "t01.py"),
            ("highlighted", "t02.py"),
        ]
        assert app.messages[-2:] == [("highlighted", "t00.py"), ("selected", "t00.py")]

    drive(scenario)


def test_a_click_highlights_and_a_second_click_selects() -> None:
    async def scenario(app: TableApp, table: CountingTable, pilot: Pilot[None]) -> None:
        table.replace_rows([row("a.py"), row("b.py"), row("c.py")])
        await pilot.pause()
        await pilot.click(CountingTable, offset=(5, 2))  # the header, a.py, b.py
        await pilot.pause()
        assert table.cursor_key == "b.py"
        await pilot.click(CountingTable, offset=(5, 2))
        await pilot.pause()
        assert app.messages[-1] == ("selected", "b.py")

    drive(scenario)


def test_a_theme_change_renders_every_row_again() -> None:
    async def scenario(app: TableApp, table: CountingTable, pilot: Pilot[None]) -> None:
        table.replace_rows([row("a.py"), row("b.py")])
        await pilot.pause()
        table.rendered.clear()
        app.theme = "textual-light"
        await pilot.pause()
        assert sorted(table.rendered) == ["a.py", "b.py"]

    drive(scenario)


def test_an_empty_table_has_no_cursor_key() -> None:
    async def scenario(app: TableApp, table: CountingTable, pilot: Pilot[None]) -> None:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert table.cursor_key is None and table.row_count == 0
        assert app.messages == []
        assert lines_of(table)[1] == ""

    drive(scenario)


def test_new_rows_announce_the_row_under_the_cursor_even_with_the_same_key() -> None:
    """A rerun shows the same test under the cursor with a new result: it is news."""

    async def scenario(app: TableApp, table: CountingTable, pilot: Pilot[None]) -> None:
        table.replace_rows([row("a.py")])
        await pilot.pause()
        table.replace_rows([row("a.py", 1)])
        await pilot.pause()
        assert app.messages == [("highlighted", "a.py"), ("highlighted", "a.py")]

    drive(scenario)
