"""Helpers for the app's pilot tests: an app on a real project copy, and waiting for it."""

from __future__ import annotations

import io
import sys
from contextlib import suppress
from pathlib import Path

from rich.console import Console
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import WorkerCancelled

from cockpit.app.app import CockpitApp
from cockpit.app.controller import Project
from cockpit.interpreter import Interpreter
from cockpit.store.paths import ensure_data_dir, pytest_cache_dir


def make_app(project: Path, **options: object) -> CockpitApp:
    """The app on ``project``, testing with this interpreter, logging into its .cockpit/."""
    ensure_data_dir(project)
    return CockpitApp(
        Project(
            root=project,
            interpreter=Interpreter(Path(sys.executable), "the tests' interpreter"),
            log=None,
            cache_dir=pytest_cache_dir(project),
        ),
        **options,  # type: ignore[arg-type]
    )


async def settle(pilot: Pilot[int]) -> None:
    """Wait until every worker (runs, database reads and writes) is done, then repaint."""
    app = pilot.app
    for _ in range(100):
        with suppress(WorkerCancelled):  # an exclusive worker replaced by a newer one
            await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            break
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
