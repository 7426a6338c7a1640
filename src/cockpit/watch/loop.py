"""The watch loop: a change selects tests; a change during a run restarts it for both.

A run is never left half-relevant: when files change while tests run, that run is
cancelled (the runner's SIGINT, SIGTERM, SIGKILL ladder) and the next one runs the union
of its selection and the new one, so nothing the first change affected is skipped. The
last failures are part of every selection and pytest runs them first (``--ff``, read from
the cache cockpit's runs keep): one pytest process, no second start-up to pay.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Protocol

from cockpit.watch.selection import Selection


class Selector(Protocol):
    def select(self, changed: Iterable[Path], last_failed: Iterable[str] = ()) -> Selection: ...


class Runs(Protocol):
    """Runs one selection at a time (the CLI's runs print and record; tests fake them)."""

    async def run(self, selection: Selection) -> None:
        """Run to the end; returns early, as interrupted, once ``cancel`` is called."""

    async def cancel(self) -> None:
        """Cancel the run in progress, if any."""


class WatchLoop:
    """Turns batches of changed paths into runs, one at a time."""

    def __init__(
        self,
        selector: Selector,
        runs: Runs,
        last_failed: Callable[[], Iterable[str]] = tuple,
        on_selection: Callable[[Selection, bool], None] | None = None,
    ) -> None:
        self.selector = selector
        self.runs = runs
        self.last_failed = last_failed
        self.on_selection = on_selection
        self.current: Selection | None = None
        self._task: asyncio.Task[None] | None = None
        self.started: list[Selection] = []

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def handle(self, changed: set[Path]) -> Selection | None:
        """Select for one batch and start its run (cancelling one in progress); the
        selection that was started, or None when nothing is affected."""
        # In a thread: a rebuilt import graph takes long enough to stall the loop's runs.
        selection = await asyncio.to_thread(self.selector.select, changed, self.last_failed())
        restarted = False
        if self.running and not selection.is_empty:
            await self.runs.cancel()
            await self._wait()
            if self.current is not None:
                selection = self.current.union(selection)
                restarted = True
        if self.on_selection is not None:
            self.on_selection(selection, restarted)
        if selection.is_empty:
            return None
        self.current = selection
        self.started.append(selection)
        self._task = asyncio.create_task(self.runs.run(selection))
        return selection

    async def _wait(self) -> None:
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self, changes: AsyncIterator[set[Path]]) -> None:
        """Until ``changes`` ends (or this task is cancelled); then the run is cancelled."""
        try:
            async for changed in changes:
                await self.handle(changed)
            await self._wait()
        finally:
            if self.running:
                await self.runs.cancel()
                await self._wait()
