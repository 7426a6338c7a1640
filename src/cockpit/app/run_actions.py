"""The keys that start runs: ``a``, ``r``, ``f``, and ``enter`` on a module, a test or a
root cause. Each makes a :class:`~cockpit.session.recorded_run.RunPlan` for ``start_run``."""

from __future__ import annotations

from textual import on
from textual.widgets import DataTable

from cockpit.app.core import CockpitCore
from cockpit.app.widgets.clusters_panel import ClustersPanel
from cockpit.app.widgets.module_table import ModuleTable
from cockpit.app.widgets.row_table import RowTable
from cockpit.session.recorded_run import ALL_TESTS, RunPlan, plan_for_tests


class RunActions(CockpitCore):
    """Run all, rerun, the failed tests, the selected row."""

    def action_run_all(self) -> None:
        self.start_run(ALL_TESTS)

    def action_rerun(self) -> None:
        self.start_run(self.last_plan or ALL_TESTS)

    def action_run_failed(self) -> None:
        view = self.view
        failing = self._failing_targets(view.modules() if view else ())
        if view is None or not failing:
            self.notify("no failing tests in the run on screen", severity="warning")
            return
        where = f"run {view.run_id}" if view.run_id else "the last run"
        self.start_run(plan_for_tests(failing, f"failed tests of {where} ({len(failing)})"))

    @on(RowTable.RowSelected)
    def _row_selected(self, event: RowTable.RowSelected) -> None:
        """``enter`` on a module or a test: run it."""
        kind = "module" if isinstance(event.table, ModuleTable) else "test"
        self.start_run(RunPlan((event.key,), f"{kind} {event.key}"))

    @on(DataTable.RowSelected, "#cluster-table")
    def _cluster_selected(self) -> None:
        """``enter`` on a root cause: run its tests."""
        cluster = self.query_one(ClustersPanel).selected
        if cluster is not None:
            tests = cluster.tests
            reason = f"root cause {cluster.key[:60]} ({len(tests)})"
            self.start_run(plan_for_tests(tests, reason))
