"""The session panel: this fix session's runs with their totals, fixes, known issues, notes."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from cockpit.app.views.log_reader import SessionOverview
from cockpit.app.views.marks import seconds
from cockpit.engine.display import visible


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%H:%M:%S")


def _runs_table(overview: SessionOverview) -> Table:
    runs = Table(
        "run",
        "at",
        "selection",
        "pass",
        "fail",
        "err",
        "skip",
        "time",
        "outcome",
        title=Text(f"runs of session {overview.session_id}: {visible(overview.title)}"),
        title_justify="left",
        expand=True,
    )
    for run in overview.runs:
        runs.add_row(
            str(run.id),
            _clock(run.started_at),
            Text(
                ("◆ " if run.whole_suite else "") + visible(run.reason),
                overflow="ellipsis",
                no_wrap=True,
            ),
            str(run.passed),
            Text(str(run.failed), style="red" if run.failed else ""),
            Text(str(run.errors), style="red" if run.errors else ""),
            str(run.skipped),
            seconds(run.duration),
            run.outcome,
        )
    return runs


def overview_renderable(overview: SessionOverview) -> RenderableType:
    parts: list[RenderableType] = [_runs_table(overview), Text("◆ = the whole suite", style="dim")]
    fixes = Table(
        "fix", "title", "risk", "evidence", title="fixes", title_justify="left", expand=True
    )
    for fix_id, title, risk, evidence, shown in overview.fixes:
        proof = f"run {evidence}: {shown}" if evidence else "awaiting a run"
        fixes.add_row(str(fix_id), Text(visible(title)), risk, proof)
    parts.append(fixes if overview.fixes else Text("no fixes logged yet (F)", style="dim"))
    issues = Table(
        "issue",
        "title",
        "tests",
        "workaround",
        "status",
        title="known issues",
        title_justify="left",
        expand=True,
    )
    for issue_id, title, tests, workaround, status in overview.known_issues:
        issues.add_row(
            str(issue_id),
            Text(visible(title)),
            str(tests),
            Text(visible(workaround or "-")),
            status,
        )
    parts.append(issues if overview.known_issues else Text("no known issues (K)", style="dim"))
    if overview.notes:
        parts.append(Text("notes", style="bold"))
        parts.extend(Text(f"{_clock(when)}  {visible(text)}") for when, text in overview.notes)
    else:
        parts.append(Text("no notes (n)", style="dim"))
    return Group(*parts)


class SessionPanel(VerticalScroll):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "session"

    def compose(self) -> ComposeResult:
        yield Static(Text("reading the session log…", style="dim"), id="session-body")

    def show(self, overview: SessionOverview | None, problem: str | None = None) -> None:
        body = self.query_one("#session-body", Static)
        if overview is None:
            body.update(Text(problem or "no session log", style="dim"))
        else:
            body.update(overview_renderable(overview))
