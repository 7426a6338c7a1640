"""The actions that write to or read from the session log: fix, known issue, note,
isolation and export. Each form or screen hands its result back; the database work runs in
thread workers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from textual import work
from textual.widgets import TabbedContent

from cockpit.app.core import CockpitCore
from cockpit.app.screens.export import ExportScreen
from cockpit.app.screens.forms import FixDraft, FixForm, KnownIssueDraft, KnownIssueForm
from cockpit.app.screens.isolation import IsolationScreen
from cockpit.app.screens.prompt import PromptScreen, Refusal
from cockpit.app.widgets.clusters_panel import ClustersPanel
from cockpit.engine.runner import RunRequest
from cockpit.errors import CockpitError
from cockpit.isolation.verdicts import IsolationVerdict
from cockpit.isolation.workaround import VerifiedWorkaround, verify_workaround
from cockpit.report.figures import plural
from cockpit.rootcause.clusters import Cluster
from cockpit.session.fixes import FixPrefill, fix_prefill

ISOLATE_REPEATS = 3
ISOLATE_AT_MOST = 50  # each one is several pytest processes


class SessionActions(CockpitCore):
    """Fixes, known issues, notes, isolation and export."""

    # -- the session log's forms -------------------------------------------------------
    def action_log_fix(self) -> None:
        """A fix form prefilled from the runs: the root causes that went away between the
        run before the change and the run that proved it, and the files it changed; the
        cluster the user points at (the root causes tab) wins, and is the fallback."""
        log = self.workspace.log
        if log is None:
            self.notify("no session log to write the fix into", severity="error")
            return
        cluster = self.query_one(ClustersPanel).selected
        pointed = self.query_one(TabbedContent).active == "clusters-tab"
        if not pointed:
            failing = self._selected_failures()
            cluster = self.view.cluster_of(failing[0]) if self.view and failing else cluster
        # The form opens at once, from what is in memory, so typing straight after ``F``
        # lands in its title (not in the main screen's keys: an ``i`` there isolates);
        # the session log's word on the fix (its evidence runs, the files) fills in the
        # fields the user has not touched when the thread has read it.
        form = FixForm(_fix_draft(cluster, pointed, None), prefilled=False)
        self.push_screen(form, self._save_fix)
        self._prefill_fix(form, cluster, pointed)

    @work(thread=True, exclusive=True, group="fix-form")
    def _prefill_fix(self, form: FixForm, cluster: Cluster | None, pointed: bool) -> None:
        log = self.workspace.log
        assert log is not None
        try:
            found = fix_prefill(log, self.workspace.project.root)
        except CockpitError as error:
            self.call_from_thread(self.notify, str(error), severity="error")
            self.call_from_thread(form.prefill, _fix_draft(cluster, pointed, None))
            return
        self.call_from_thread(form.prefill, _fix_draft(cluster, pointed, found))

    def _save_fix(self, draft: FixDraft | None) -> None:
        if draft is not None:
            self._write_fix(draft)

    @work(thread=True, group="log-write")
    def _write_fix(self, draft: FixDraft) -> None:
        log = self.workspace.log
        assert log is not None
        fix = log.add_fix(
            draft.title,
            problem=draft.problem,
            root_cause=draft.root_cause,
            solution=draft.solution,
            files=draft.files,
            risk=draft.risk,
            before_run_id=draft.before_run,
            evidence_run_id=draft.evidence_run,
        )
        said = (
            f"fix {fix.id} logged: {draft.placement}"
            if fix.evidence_run_id is not None
            else f"fix {fix.id} logged; the next run covering it becomes its evidence"
        )
        self.call_from_thread(self.notify, said)
        self.call_from_thread(self._refresh_session)

    def action_known_issue(self) -> None:
        if self.workspace.log is None:
            self.notify("no session log to write the known issue into", severity="error")
            return
        tests = self._selected_failures()
        if not tests:
            self.notify("select failing tests first (a test, a module or a root cause)")
            return
        workspace = self.workspace
        interpreter = workspace.project.require_interpreter()

        def verify(expression: str, named: Sequence[str]) -> VerifiedWorkaround:
            request = RunRequest(project=workspace.project.folder, pytest_args=workspace.extra_args)
            return verify_workaround(request, interpreter, expression, named)

        title = ""
        cluster = self.view.cluster_of(tests[0]) if self.view else None
        if cluster is not None:
            title = cluster.key[:120]
        self.push_screen(KnownIssueForm(title, tests, verify), self._save_known_issue)

    def _save_known_issue(self, draft: KnownIssueDraft | None) -> None:
        if draft is not None:
            self._write_known_issue(draft)

    @work(thread=True, group="log-write")
    def _write_known_issue(self, draft: KnownIssueDraft) -> None:
        log = self.workspace.log
        assert log is not None
        issue = log.add_known_issue(
            draft.title,
            draft.tests,
            workaround=draft.workaround,
            deselected=draft.verified.deselected if draft.verified else (),
            priority=draft.priority,
            effort=draft.effort,
        )
        deselects = (
            f"; its workaround deselects {plural(len(draft.verified.deselected), 'test')}"
            if draft.verified
            else ""
        )
        self.call_from_thread(self.notify, f"known issue {issue.id} added{deselects}")
        self.call_from_thread(self._refresh_session)

    def action_note(self) -> None:
        if self.workspace.log is None:
            self.notify("no session log to write the note into", severity="error")
            return

        def done(answer: str | None) -> None:
            if answer is not None:
                self._write_note(answer.strip())

        def check(answer: str) -> Refusal | None:
            return None if answer.strip() else Refusal("a note needs some text (escape cancels)")

        self.push_screen(PromptScreen("note for this session", check=check), done)

    @work(thread=True, group="log-write")
    def _write_note(self, text: str) -> None:
        log = self.workspace.log
        assert log is not None
        log.add_note(text)
        self.call_from_thread(self.notify, "note added")
        self.call_from_thread(self._refresh_session)

    # -- isolation, export, watch ----------------------------------------------------------
    def action_isolate(self) -> None:
        """Rerun the selected failing tests alone: real, order-dependent or flaky."""
        tests = self._selected_failures()
        tests = [nodeid for nodeid in tests if "::" in nodeid][:ISOLATE_AT_MOST]
        if not tests:
            self.notify("select failing tests first (a test, a module or a root cause)")
            return
        view, project = self.view, self.workspace.project
        run_id = view.run_id if view is not None else None

        async def isolate(
            nodeids: Sequence[str], on_verdict: Callable[[IsolationVerdict], None]
        ) -> list[IsolationVerdict]:
            from cockpit.isolation.rerunner import isolate_tests

            order = await asyncio.to_thread(self._run_order, run_id)
            return await isolate_tests(
                project.folder,
                project.require_interpreter(),
                nodeids,
                repeats=ISOLATE_REPEATS,
                on_verdict=on_verdict,
                run_order=order,
                launcher=self.warm,  # every rerun a fresh fork of the same warm server
            )

        def record(verdicts: list[IsolationVerdict] | None) -> None:
            if verdicts:
                self._record_isolations(run_id, verdicts)

        self.push_screen(IsolationScreen(tests, isolate, ISOLATE_REPEATS), record)

    def _run_order(self, run_id: int | None) -> list[str] | None:
        log = self.workspace.log
        if log is None or run_id is None:
            return None
        from cockpit.isolation.log import run_order

        return run_order(log, run_id)

    @work(thread=True, group="log-write")
    def _record_isolations(self, run_id: int | None, verdicts: list[IsolationVerdict]) -> None:
        log = self.workspace.log
        if log is None:
            return
        from cockpit.isolation.log import record_isolations

        record_isolations(log, run_id, verdicts)
        self.call_from_thread(self.notify, f"{len(verdicts)} isolation verdicts recorded")

    def action_export(self) -> None:
        if self.workspace.log is None:
            self.notify("no session log to export", severity="error")
            return
        self._prepare_export()

    @work(thread=True, exclusive=True, group="export")
    def _prepare_export(self) -> None:
        from cockpit.report.collect import build_summary
        from cockpit.report.markdown import render_markdown
        from cockpit.report.output import default_output

        project = self.workspace.project
        try:
            summary = build_summary(project.database, None)
        except CockpitError as error:
            self.call_from_thread(self.notify, str(error), severity="error")
            return
        markdown = render_markdown(summary)
        target = default_output(project.root, summary.id)
        self.call_from_thread(self.push_screen, ExportScreen(markdown, target))


def _fix_draft(cluster: Cluster | None, pointed: bool, found: FixPrefill | None) -> FixDraft:
    """The fix form's fields: from the cluster pointed at, and, once the session log has
    been read (``found``), from the root causes the change made go away and its files."""
    hint = cluster.hint if cluster is not None else None
    problem = f"{cluster.count} failing: {cluster.signature.key}" if cluster else ""
    root_cause = hint[1] if hint else ""
    files: tuple[str, ...] = ()
    before_run = evidence_run = None
    placement = ""
    if found is not None:
        if not pointed and (found.causes or found.imports_again):
            problem = found.problem
            root_cause = next((cause.hint for cause in found.causes if cause.hint), "")
        files = found.plan.files
        before_run, evidence_run = found.plan.before_run, found.plan.evidence_run
        placement = found.placement
    regression = cluster.regression if cluster is not None else None
    if not files and regression is not None:  # the files the snapshots saw change
        files = tuple(changed.path for changed in regression.files)
    return FixDraft(
        title="",
        problem=problem,
        root_cause=root_cause,
        solution="",
        files=files,
        risk="low",
        before_run=before_run,
        evidence_run=evidence_run,
        placement=placement,
    )
