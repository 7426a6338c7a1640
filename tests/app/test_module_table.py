"""ModuleTable: the worst module on top while a run re-sorts, until the user picks one."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from cockpit.app.views.run_view import RunView
from cockpit.app.widgets.module_table import ModuleTable
from cockpit.engine.events import PhasesPassed
from tests.app.app_support import lines_of
from tests.app.test_app_logic import collected, failed, feed, live_view, started

MODULES = [f"tests/test_m{index:02}.py" for index in range(30)]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ModuleTable()


def passed(nodeid: str) -> PhasesPassed:
    return PhasesPassed(nodeid, ("setup", "call", "teardown"), 0.01)


def test_the_cursor_follows_the_top_then_the_module_the_user_chose() -> None:
    async def main() -> None:
        app = TableApp()
        async with app.run_test(size=(100, 12)) as pilot:
            table = app.query_one(ModuleTable)
            table.focus()
            view: RunView = live_view()
            feed(view, started(), collected(*(f"{path}::test_x" for path in MODULES)))
            table.show_view(view)
            await pilot.pause()
            assert table.cursor_key == MODULES[0]

            feed(view, failed(f"{MODULES[20]}::test_x"))
            table.refresh_modules(view.take_dirty_modules())
            await pilot.pause()
            assert table.cursor_key == MODULES[20]  # the failing module went to the top
            assert MODULES[20] in lines_of(table)[1]

            await pilot.press("down", "down")
            chosen = table.cursor_key
            assert chosen == MODULES[1]
            feed(view, *(passed(f"{path}::test_x") for path in MODULES[:5]))
            table.refresh_modules(view.take_dirty_modules())
            await pilot.pause()
            # Its test passed: the module sank below the ones not run, and the view followed.
            assert table.cursor_key == chosen
            assert table.row_keys.index(chosen) > 20
            assert any(chosen in line for line in lines_of(table)[1:])

    asyncio.run(main())
