"""The root causes' side of the app: the live regression history and the detail pane's
full traceback. The session log is read in thread workers; results come back through
``call_from_thread``, and the view regroups on its next tick."""

from __future__ import annotations

from pathlib import Path

from textual import work

from cockpit.app.core import CockpitCore
from cockpit.app.views.run_view import RunView
from cockpit.app.widgets.failure_detail import FailureDetailView
from cockpit.rootcause.clusters import Cluster, error_outcome
from cockpit.rootcause.evidence import Evidence
from cockpit.rootcause.regression import Change
from cockpit.store.evidence import ProjectSources, evidence_for
from cockpit.store.rows import FailureRow


class RootCauseActions(CockpitCore):
    """Regressions regrouped live, and ``v`` for the whole traceback."""

    _history_pending = False

    def _gather_evidence(self, view: RunView) -> None:
        """What the root causes need from the log and the project: the previous results of
        a live run's new failures (one fetch at a time; failures arriving meanwhile wait
        for the next tick), and the files a hint asks for."""
        wanted_files = view.evidence_wanted()
        if wanted_files:
            root = Path(view.rootdir) if view.rootdir else self.workspace.project.root
            self._read_evidence(view, wanted_files, root, view.run_id)
        if not view.live or view.run_id is None or self.workspace.log is None:
            return
        if self._history_pending:
            return
        wanted = view.history_wanted()
        if wanted:
            self._history_pending = True
            self._fetch_history(view, view.run_id, wanted, dict(view.changes))

    @work(thread=True, group="evidence")
    def _read_evidence(
        self, view: RunView, clusters: list[Cluster], root: Path, run_id: int | None
    ) -> None:
        found = evidence_for(clusters, ProjectSources(root, self.workspace.log, run_id))
        self.call_from_thread(self._evidence_arrived, view, found)

    def _evidence_arrived(self, view: RunView, found: list[tuple[Cluster, Evidence]]) -> None:
        """The hints can name their evidence now: the detail pane shows them too."""
        view.add_evidence(found)
        shown = self.query_one(FailureDetailView).shown
        if found and view is self.view and shown is not None and self._detail_outcome:
            self._render_detail(shown, self._detail_outcome, self._shown_detail)

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

    def _show_module_error(self, module: str | None) -> None:
        view = self.view
        if view is None or module is None:
            return
        error = next((e for e in view.state.collection_errors if e.file == module), None)
        if error is None:
            return
        row = FailureRow(module, "collect", error.source, None, error.message, error.longrepr)
        self._render_detail(module, error_outcome(error.kind), row)
        self._shown_detail = row

    def action_toggle_traceback(self) -> None:
        """Folded library frames or pytest's whole text, in the detail pane."""
        self.full_traceback = not self.full_traceback
        shown = self.query_one(FailureDetailView).shown
        if shown is not None and self._detail_outcome is not None:
            self._render_detail(shown, self._detail_outcome, self._shown_detail)
        self.notify("full tracebacks" if self.full_traceback else "library frames folded")
