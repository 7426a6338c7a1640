"""The detail pane: the selected test's story, from the run on screen or the session log.

A part of the app's core (``CockpitCore``), kept apart for its size: showing a test,
redrawing it when its outcome changes during a live run, and reading a recorded test's
failure text in a thread.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import App

from cockpit.app.views import log_reader
from cockpit.app.views.run_view import RunView
from cockpit.app.views.workspace import Workspace
from cockpit.app.widgets.failure_detail import FailureDetailView, detail_renderable
from cockpit.store.rows import FailureRow, failure_row

_FAILING_WORDS = frozenset(
    {"failed", "error", "crashed", "collection error", "conftest error", "plugin error"}
)


class DetailPane(App[int]):
    """The failure detail of one test, drawn and kept current."""

    workspace: Workspace
    view: RunView | None
    full_traceback: bool
    _detail_outcome: str | None
    _shown_detail: FailureRow | None

    def _refresh_detail(self, view: RunView) -> None:
        """The test in the detail pane finished (or started) since it was drawn: redraw."""
        shown = self.query_one(FailureDetailView).shown
        record = view.record(shown) if shown is not None else None
        if record is not None and str(record.outcome) != self._detail_outcome:
            self._show_detail(shown)

    def _show_detail(self, nodeid: str | None) -> None:
        view, pane = self.view, self.query_one(FailureDetailView)
        if view is None or nodeid is None:
            pane.show(Text("select a test to see its detail", style="dim"), None)
            return
        record = view.record(nodeid)
        outcome = str(record.outcome) if record else "collection error"
        recorded = view.result_run(nodeid)  # a carried test, or a run loaded from the log
        if record is not None and record.failure is not None:
            self._render_detail(nodeid, outcome, failure_row(record))
        elif recorded is not None and self.workspace.log is not None:
            self._render_detail(nodeid, outcome, None)
            self._load_detail(recorded, nodeid, outcome)
        else:
            self._render_detail(nodeid, outcome, None)

    def _render_detail(self, nodeid: str, outcome: str, detail: FailureRow | None) -> None:
        view = self.view
        cluster = view.cluster_of(nodeid) if view and outcome in _FAILING_WORDS else None
        dark = self.current_theme.dark if self.current_theme else True
        self._detail_outcome = outcome
        self.query_one(FailureDetailView).show(
            detail_renderable(
                nodeid,
                outcome,
                detail,
                cluster,
                dark=dark,
                known_issue=view.known.describe(nodeid) if view else None,
                rootdir=view.rootdir if view else None,
                full=self.full_traceback,
            ),
            nodeid,
        )
        self._shown_detail = detail

    @work(thread=True, exclusive=True, group="detail")
    def _load_detail(self, run_id: int, nodeid: str, outcome: str) -> None:
        log = self.workspace.log
        assert log is not None
        detail = log_reader.failure_detail(log, run_id, nodeid)
        if detail is not None:
            self.call_from_thread(self._detail_loaded, nodeid, outcome, detail)

    def _detail_loaded(self, nodeid: str, outcome: str, detail: FailureRow) -> None:
        if self.query_one(FailureDetailView).shown == nodeid:
            self._render_detail(nodeid, outcome, detail)
