"""The root causes' side of the app: the live regression history and the detail pane's
full traceback. The session log is read in thread workers; results come back through
``call_from_thread``, and the view regroups on its next tick."""

from __future__ import annotations

from textual import work

from cockpit.app.core import CockpitCore
from cockpit.app.views.run_view import RunView
from cockpit.app.widgets.failure_detail import FailureDetailView
from cockpit.rootcause.regression import Change


class RootCauseActions(CockpitCore):
    """Regressions regrouped live, and ``v`` for the whole traceback."""

    _history_pending = False

    def _gather_evidence(self, view: RunView) -> None:
        """New failures of a live run: fetch their previous results (one fetch at a time;
        failures arriving meanwhile wait for the next tick)."""
        if self._history_pending or self.workspace.log is None or view.run_id is None:
            return
        wanted = view.history_wanted()
        if wanted:
            self._history_pending = True
            self._fetch_history(view, view.run_id, wanted, dict(view.changes))

    @work(thread=True, group="history")
    def _fetch_history(
        self,
        view: RunView,
        run_id: int,
        failing: dict[str, str],
        known: dict[int, Change | None],
    ) -> None:
        log = self.workspace.log
        try:
            if log is not None:
                history, changes = log.regression_context(run_id, failing, known)
                self.call_from_thread(view.add_history, history, changes)
        finally:
            self.call_from_thread(self._history_done)

    def _history_done(self) -> None:
        self._history_pending = False

    def action_toggle_traceback(self) -> None:
        """Folded library frames or pytest's whole text, in the detail pane."""
        self.full_traceback = not self.full_traceback
        shown = self.query_one(FailureDetailView).shown
        if shown is not None and self._detail_outcome is not None:
            self._render_detail(shown, self._detail_outcome, self._shown_detail)
        self.notify("full tracebacks" if self.full_traceback else "library frames folded")
