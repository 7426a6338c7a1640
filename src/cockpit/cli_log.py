"""Session-log commands: sessions, fixes, known issues, notes, runs, history, diff.

Each prints a rich table for people and, with ``--json``, plain data for scripts. All
reading and writing goes through :class:`~cockpit.store.session_log.SessionLog`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cockpit.cli_support import CliError, Parser, add_store_options, project_of
from cockpit.gitinfo import changed_files_since, head_commit
from cockpit.store.models import Fix, KnownIssue, Run
from cockpit.store.session_log import SessionLog

RISKS = ("low", "medium", "high")
PRIORITIES = ("low", "medium", "high")


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S") if epoch else "-"


def _open(options: argparse.Namespace) -> SessionLog:
    return SessionLog.open(project_of(options), options.db)


def _parser(prog: str, description: str, *, store_options: bool = True) -> Parser:
    parser = Parser(prog=prog, description=description, allow_abbrev=False)
    if store_options:
        add_store_options(parser)
    return parser


def _actions(parser: Parser) -> Callable[[str, str], argparse.ArgumentParser]:
    """Sub-actions (``add``, ``list``...), each taking --db and --project itself."""
    actions = parser.add_subparsers(dest="action", required=True, parser_class=Parser)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, allow_abbrev=False)
        add_store_options(sub)
        return sub

    return action


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _totals(run: Run) -> dict[str, int]:
    return {
        "passed": run.passed,
        "failed": run.failed,
        "errors": run.errors,
        "skipped": run.skipped,
        "xfailed": run.xfailed,
        "xpassed": run.xpassed,
    }


def _run_json(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "session_id": run.session_id,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "args": run.args,
        "selection": run.selection_reason,
        "whole_suite": run.whole_suite,
        "outcome": run.outcome,
        "exit_code": run.exit_code,
        "collected": run.collected,
        "totals": _totals(run),
        "crashed_test": run.crashed_test,
    }


# -- sessions ---------------------------------------------------------------------------
def command_session(argv: Sequence[str]) -> int:
    parser = _parser("cockpit session", "Start, end or list fix sessions.", store_options=False)
    action = _actions(parser)
    start = action("start", "start a fix session")
    start.add_argument("title")
    action("end", "end the open session")
    listing = action("list", "list sessions")
    listing.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    log = _open(options)
    project = project_of(options)
    console = _console()
    if options.action == "start":
        if not options.title.strip():
            raise CliError("a session needs a title: cockpit session start 'what this is about'")
        session = log.start_session(options.title.strip(), head_commit(project))
        console.print(f"session {session.id} started: {escape(session.title)}")
    elif options.action == "end":
        session = log.end_session(head_commit(project))
        console.print(f"session {session.id} ended: {escape(session.title)}")
    else:
        rows = log.sessions()
        if options.json:
            _print_json(
                [
                    {
                        "id": s.id,
                        "title": s.title,
                        "started_at": s.started_at,
                        "ended_at": s.ended_at,
                        "automatic": s.automatic_day is not None,
                        "git_start": s.git_start,
                        "git_end": s.git_end,
                        "runs": count,
                    }
                    for s, count in rows
                ]
            )
            return 0
        table = Table("id", "title", "started", "ended", "runs", title="sessions")
        for session, count in rows:
            kind = " (automatic)" if session.automatic_day else ""
            table.add_row(
                str(session.id),
                escape(session.title) + kind,
                _when(session.started_at),
                _when(session.ended_at) if session.ended_at else "open",
                str(count),
            )
        console.print(table)
    return 0


# -- fixes ------------------------------------------------------------------------------
def _fix_json(log: SessionLog, fix: Fix) -> dict[str, Any]:
    evidence = log.fix_evidence(fix)
    return {
        "id": fix.id,
        "session_id": fix.session_id,
        "title": fix.title,
        "problem": fix.problem,
        "root_cause": fix.root_cause,
        "solution": fix.solution,
        "files": fix.files,
        "risk": fix.risk,
        "created_at": fix.created_at,
        "before_run": fix.before_run_id,
        "evidence_run": fix.evidence_run_id,
        "flipped_to_pass": evidence,
        "flipped_count": sum(len(tests) for tests in evidence.values()) if evidence else None,
    }


def command_fix(argv: Sequence[str]) -> int:
    parser = _parser(
        "cockpit fix", "Log a fix, or list fixes with their measured evidence.", store_options=False
    )
    action = _actions(parser)
    add = action("add", "log a fix")
    add.add_argument("title")
    add.add_argument("--problem", default="")
    add.add_argument("--root-cause", default="")
    add.add_argument("--solution", default="")
    add.add_argument(
        "--files", nargs="*", default=None, help="default: what git shows changed since the run"
    )
    add.add_argument("--risk", choices=RISKS, default="low")
    listing = action("list", "list fixes")
    listing.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    log = _open(options)
    console = _console()
    if options.action == "add":
        files = options.files
        if files is None:
            before = log.last_finished_run()
            files = changed_files_since(project_of(options), before.started_at if before else None)
        fix = log.add_fix(
            options.title,
            problem=options.problem,
            root_cause=options.root_cause,
            solution=options.solution,
            files=files,
            risk=options.risk,
        )
        before_text = f"after run {fix.before_run_id}" if fix.before_run_id else "before any run"
        console.print(
            f"fix {fix.id} logged {before_text} ({len(fix.files)} files); "
            "the next run that covers its failing tests becomes its evidence"
        )
        return 0
    fixes = log.fixes()
    if options.json:
        _print_json([_fix_json(log, fix) for fix in fixes])
        return 0
    table = Table("id", "title", "risk", "files", "before", "evidence", "flipped to pass")
    for fix in fixes:
        evidence = log.fix_evidence(fix)
        flipped = (
            ", ".join(f"{escape(m)} +{len(t)}" for m, t in sorted(evidence.items()))
            if evidence
            else ("0" if evidence is not None else "waiting for a run")
        )
        table.add_row(
            str(fix.id),
            escape(fix.title),
            fix.risk,
            str(len(fix.files)),
            str(fix.before_run_id or "-"),
            str(fix.evidence_run_id or "-"),
            flipped,
        )
    console.print(table)
    return 0


# -- known issues -----------------------------------------------------------------------
def _known_json(issue: KnownIssue) -> dict[str, Any]:
    return {
        "id": issue.id,
        "session_id": issue.session_id,
        "title": issue.title,
        "tests": issue.tests,
        "workaround": issue.workaround,
        "deselected": issue.deselected,
        "priority": issue.priority,
        "effort": issue.effort,
        "status": issue.status,
    }


def command_known(argv: Sequence[str]) -> int:
    parser = _parser(
        "cockpit known", "Record known issues, with verified workarounds.", store_options=False
    )
    action = _actions(parser)
    add = action("add", "record a known issue")
    add.add_argument("title")
    add.add_argument("--tests", nargs="+", required=True, metavar="NODEID")
    add.add_argument("--workaround", metavar="EXPR", help="-k EXPR or -m EXPR, checked by cockpit")
    add.add_argument("--priority", choices=PRIORITIES, default="medium")
    add.add_argument("--effort", default="")
    add.add_argument("--python", metavar="PATH", help="interpreter for the collect-only check")
    listing = action("list", "list known issues")
    listing.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    log = _open(options)
    console = _console()
    if options.action == "list":
        issues = log.known_issues()
        if options.json:
            _print_json([_known_json(issue) for issue in issues])
            return 0
        table = Table("id", "title", "tests", "workaround", "deselects", "priority", "effort")
        for issue in issues:
            table.add_row(
                str(issue.id),
                escape(issue.title),
                str(len(issue.tests)),
                escape(issue.workaround or "-"),
                str(len(issue.deselected)) if issue.workaround else "-",
                issue.priority,
                escape(issue.effort or "-"),
            )
        console.print(table)
        return 0
    deselected: Sequence[str] = ()
    if options.workaround:
        from cockpit.interpreter import InterpreterError, resolve_interpreter
        from cockpit.runner import RunRequest
        from cockpit.workaround import WorkaroundError, verify_workaround

        project = project_of(options)
        try:
            interpreter = resolve_interpreter(project, options.python)
            verified = verify_workaround(
                RunRequest(project=project), interpreter, options.workaround, options.tests
            )
        except (InterpreterError, WorkaroundError) as error:
            raise CliError(str(error)) from None
        deselected = verified.deselected
        if verified.named_kept:
            console.print(
                f"note: the workaround keeps {len(verified.named_kept)} of the named tests: "
                + ", ".join(escape(t) for t in verified.named_kept)
            )
    issue = log.add_known_issue(
        options.title,
        options.tests,
        workaround=options.workaround,
        deselected=deselected,
        priority=options.priority,
        effort=options.effort,
    )
    detail = f"; its workaround deselects {len(deselected)} tests" if options.workaround else ""
    console.print(f"known issue {issue.id} recorded{detail}")
    return 0


def command_note(argv: Sequence[str]) -> int:
    parser = _parser("cockpit note", "Add a note to the current session.")
    parser.add_argument("text")
    options = parser.parse_args(argv)
    if not options.text.strip():
        raise CliError("the note is empty")
    note = _open(options).add_note(options.text)
    _console().print(f"note {note.id} added")
    return 0


# -- runs, history, diff ----------------------------------------------------------------
def command_runs(argv: Sequence[str]) -> int:
    parser = _parser("cockpit runs", "List recorded runs, newest first.")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=int, default=None)
    options = parser.parse_args(argv)
    runs = _open(options).runs(limit=options.limit)
    if options.json:
        _print_json([_run_json(run) for run in runs])
        return 0
    table = Table("id", "started", "selection", "outcome", "passed", "failed", "errors", "skipped")
    for run in runs:
        table.add_row(
            str(run.id),
            _when(run.started_at),
            escape(run.selection_reason),
            run.outcome,
            str(run.passed),
            str(run.failed),
            str(run.errors),
            str(run.skipped),
        )
    _console().print(table)
    return 0


def command_history(argv: Sequence[str]) -> int:
    parser = _parser("cockpit history", "One test's outcome in every recorded run.")
    parser.add_argument("nodeid")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    rows = _open(options).history(options.nodeid)
    if not rows:
        raise CliError(f"no recorded run has {options.nodeid}; cockpit runs lists the runs")
    from cockpit.isolate import flaky_flips
    from cockpit.store.isolation_log import history_points

    flaky = flaky_flips(history_points(rows))  # flips with the project's files unchanged
    if options.json:
        _print_json(
            [
                {
                    "run": run.id,
                    "started_at": run.started_at,
                    "outcome": result.outcome,
                    "duration": result.duration,
                    "signature": result.signature,
                    "flaky": run.id in flaky,
                }
                for run, result in rows
            ]
        )
        return 0
    table = Table(
        "run", "started", "outcome", "", "duration", "error", title=escape(options.nodeid)
    )
    for run, result in rows:
        table.add_row(
            str(run.id),
            _when(run.started_at),
            result.outcome,
            "[magenta]flaky[/]" if run.id in flaky else "",
            f"{result.duration:.3f}s",
            escape(result.signature or ""),
        )
    _console().print(table)
    if flaky:
        _console().print(
            f"flaky: {len(flaky)} outcome flips with no project file changed in between "
            "(cockpit isolate reruns the test alone)",
            style="magenta",
        )
    return 0


def command_clusters(argv: Sequence[str]) -> int:
    from cockpit.rootcause.clusters import Clusterer

    parser = _parser("cockpit clusters", "Failures of a run grouped by root cause.")
    parser.add_argument("--run", type=int, default=None, help="run id (default: the last)")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    log = _open(options)
    if options.run is None:
        latest = log.runs(limit=1)
        if not latest:
            raise CliError("no recorded run yet; cockpit run records one")
        run = latest[0]
    else:
        run = log.run(options.run)
    outcomes = log.outcomes(run.id)
    clusterer = Clusterer(run.rootdir or None)
    for nodeid, failure in sorted(log.failures(run.id).items()):
        stored = outcomes.get(nodeid)
        clusterer.add(
            nodeid,
            stored.module if stored else nodeid.split("::")[0],
            stored.outcome if stored else "failed",
            failure.message,
            failure.longrepr,
        )
    for error in log.collection_errors(run.id):
        clusterer.add(error.path, error.path, "collection error", error.message, error.longrepr)
    clusters = clusterer.clusters()
    if options.json:
        _print_json([cluster.as_json() for cluster in clusters])
        return 0
    console = _console()
    console.print(f"run {run.id}: {len(clusters)} root causes")
    for cluster in clusters:
        data = cluster.as_json()
        outcomes_text = ", ".join(f"{n} {kind}" for kind, n in data["outcomes"].items())
        console.print(
            f"\n[bold]{cluster.count}[/bold] x {escape(data['signature'])}\n"
            f"  {outcomes_text} in {len(data['modules'])} modules; "
            f"fix near {escape(data['location'] or 'unknown')}"
        )
        if data["hint"]:
            console.print(f"  hint: {escape(data['hint'])}", style="yellow")
    return 0


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "clusters": command_clusters,
    "session": command_session,
    "fix": command_fix,
    "known": command_known,
    "note": command_note,
    "runs": command_runs,
    "history": command_history,
}
