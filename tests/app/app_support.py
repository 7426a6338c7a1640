"""Helpers for the app's pilot tests: an app on a real project copy, and waiting for it."""

from __future__ import annotations

import io
import sys
from contextlib import suppress
from pathlib import Path

from rich.console import Console
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import WorkerCancelled, WorkerFailed

from cockpit.app.app import CockpitApp
from cockpit.app.views.workspace import Workspace
from cockpit.app.widgets.row_table import RowTable
from cockpit.session.project import Project


def make_app(project: Path, *, warm: bool = False, **options: object) -> CockpitApp:
    """The app on ``project``, testing with this interpreter, logging into its .cockpit/.
    Cold runs unless ``warm``: the warm server's own tests say what it changes."""
    resolved = Project.resolve(project, python=sys.executable, runs_tests=True)
    return CockpitApp(Workspace(resolved, warm=warm), **options)  # type: ignore[arg-type]


async def settle(pilot: Pilot[int]) -> None:
    """Wait until every worker (runs, database reads and writes) is done, then repaint.

    The watch worker runs until it is switched off, so it is not waited for.
    """
    app = pilot.app
    for _ in range(100):
        await pilot.pause()
        pending = [w for w in app.workers if w.is_running and w.group != "watch"]
        if not pending:
            break
        for worker in pending:
            with suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
    await pilot.pause()


async def run_and_settle(pilot: Pilot[int], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def text_of(widget: Widget) -> str:
    """What a Static shows, as plain text (its renderable printed without colour)."""
    assert isinstance(widget, Static)
    console = Console(width=200, file=io.StringIO(), color_system=None)
    console.print(widget.content)
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def lines_of(table: RowTable) -> list[str]:
    """What a table shows on screen now, line by line (header first), as plain text."""
    table.render_lines(Region(0, 0, *table.size))  # fits the columns to the size
    height = table.scrollable_content_region.height
    return [table.render_line(y).text.rstrip() for y in range(height)]


def screen_lines(app: App[int]) -> list[str]:
    """What the active screen shows now, line by line, as plain text (as a terminal would)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def type_text(pilot: Pilot[int], text: str) -> None:
    """Type ``text`` key by key, as a user would (never setting a widget's value)."""
    await pilot.press(*("space" if char == " " else char for char in text))


async def lines_showing(
    pilot: Pilot[int], widget: RowTable, text: str, seconds: float = 10.0
) -> list[str]:
    """The widget's lines once one of them holds ``text`` (a loaded machine may paint a
    table after the app has settled); fails naming what never showed."""
    for _ in range(int(seconds / 0.05)):
        lines = lines_of(widget)
        if any(text in line for line in lines):
            return lines
        await pilot.pause(0.05)
    raise AssertionError(f"{text!r} never showed in {lines_of(widget)!r}")


async def move_to_module(pilot: Pilot[int], modules: RowTable, path: str) -> None:
    """Put the module table's cursor on ``path`` with keys, as a user does: a cursor set in
    code is taken back to the top row by the next re-sort (the table follows the worst
    module until the user moves)."""
    modules.focus()
    await pilot.press("home")
    for _ in range(len(modules.row_keys)):
        if modules.cursor_key == path:
            return
        await pilot.press("down")
    assert modules.cursor_key == path, f"{path} is not a row of {modules.row_keys}"
