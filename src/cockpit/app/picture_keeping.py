"""Keeping the session picture: every recorded run folded in, and which modules are stale.

The picture is read when the log opens (with the last run); each run the app records is
folded in when it ends, in a thread, before the next run lays over it; staleness (the
project's files now against each run's snapshot, through the import graph) is found again
after each, in a thread too.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import SQLAlchemyError
from textual import work
from textual.app import App

from cockpit.app.views import log_reader
from cockpit.app.views.run_view import RunView
from cockpit.app.views.workspace import Workspace
from cockpit.errors import CockpitError
from cockpit.suite.picture import SuitePicture


def one_line(error: BaseException) -> str:
    """An error's message on one line, cut to fit a notification."""
    return " ".join(str(error).split())[:200]


class PictureKeeping(App[int]):
    """The session picture the runs on screen lay over."""

    workspace: Workspace
    view: RunView | None
    picture: SuitePicture | None = None
    """The session picture of every recorded run so far: what the next run lays over."""
    advancing = False
    """True while a finished run is folded into the picture: a run asked for waits."""

    @work(thread=True, exclusive=True, group="stale")
    def _refresh_stale(self) -> None:
        """Which modules a file changed since their results may have affected (the import
        graph, the project's files now against each run's snapshot)."""
        log, picture = self.workspace.log, self.picture
        if log is None or picture is None or not picture.runs:
            return
        try:
            stale = log_reader.staleness(log, self.workspace.project.root, picture)
        except (CockpitError, OSError, SQLAlchemyError) as error:
            self.call_from_thread(
                self.notify, f"cannot tell stale modules: {one_line(error)}", timeout=6
            )
            return
        self.call_from_thread(self._stale_ready, stale)

    def _stale_ready(self, stale: dict[str, bool | None]) -> None:
        if self.view is not None:
            self.view.set_stale(stale)  # its rows are redrawn on the next tick

    async def _advance_picture(self, run_id: int | None) -> None:
        """Fold the run just recorded into the picture (in a thread), before any next run
        lays over it; then find what is stale again."""
        log, picture = self.workspace.log, self.picture
        if log is None or picture is None or run_id is None:
            return
        self.advancing = True
        try:
            self.picture = await asyncio.to_thread(log_reader.with_run, log, picture, run_id)
        except (CockpitError, SQLAlchemyError) as error:
            self.notify(
                f"the session picture missed run {run_id}: {one_line(error)}", severity="error"
            )
        finally:
            self.advancing = False
        self._refresh_stale()
