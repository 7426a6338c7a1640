"""``cockpit fix`` and ``cockpit known``: fixes with their measured evidence, and known
issues with verified workarounds."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cockpit.cli.output import console, print_json
from cockpit.cli.parsing import CliError, command_parser, resolve_project, sub_actions
from cockpit.session.fixes import evidence_of
from cockpit.store import log_queries
from cockpit.store.log_queries import FixRow, KnownRow

if TYPE_CHECKING:  # ``fix list`` and ``known list`` read without SQLAlchemy or rich
    from cockpit.session.project import Project
    from cockpit.store.session_log import SessionLog

RISKS = ("low", "medium", "high")
PRIORITIES = ("low", "medium", "high")


# -- fixes ------------------------------------------------------------------------------
def _fix_json(fix: FixRow, evidence: dict[str, list[str]] | None) -> dict[str, Any]:
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
    parser = command_parser(
        "cockpit fix", "Log a fix, or list fixes with their measured evidence.", store_options=False
    )
    action = sub_actions(parser)
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
    project = resolve_project(options)
    if options.action == "add":
        return _add_fix(project, project.open_log(), options)
    reader = log_queries.open_reader(project.database)
    try:
        fixes = [
            (fix, evidence_of(reader.query, fix.before_run_id, fix.evidence_run_id))
            for fix in log_queries.fixes(reader.query)
        ]
    finally:
        reader.close()
    if options.json:
        print_json([_fix_json(fix, evidence) for fix, evidence in fixes])
        return 0
    _print_fixes(fixes)
    return 0


def _print_fixes(fixes: list[tuple[FixRow, dict[str, list[str]] | None]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table("id", "title", "risk", "files", "before", "evidence", "flipped to pass")
    for fix, evidence in fixes:
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
    console().print(table)


def _add_fix(project: Project, log: SessionLog, options: argparse.Namespace) -> int:
    from cockpit.session.gitinfo import changed_files_since

    files = options.files
    if files is None:
        before = log.last_finished_run()
        files = changed_files_since(project.folder, before.started_at if before else None)
    fix = log.add_fix(
        options.title,
        problem=options.problem,
        root_cause=options.root_cause,
        solution=options.solution,
        files=files,
        risk=options.risk,
    )
    before_text = f"after run {fix.before_run_id}" if fix.before_run_id else "before any run"
    console().print(
        f"fix {fix.id} logged {before_text} ({len(fix.files)} files); "
        "the next run that covers its failing tests becomes its evidence"
    )
    return 0


# -- known issues -----------------------------------------------------------------------
def _known_json(issue: KnownRow) -> dict[str, Any]:
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
    parser = command_parser(
        "cockpit known", "Record known issues, with verified workarounds.", store_options=False
    )
    action = sub_actions(parser)
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
    project = resolve_project(options)
    if options.action == "add":
        return _add_known_issue(project, project.open_log(), options)
    reader = log_queries.open_reader(project.database)
    try:
        issues = log_queries.known_issues(reader.query)
    finally:
        reader.close()
    if options.json:
        print_json([_known_json(issue) for issue in issues])
        return 0
    from rich.markup import escape
    from rich.table import Table

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
    console().print(table)
    return 0


def _verified_deselection(project: Project, options: argparse.Namespace) -> Sequence[str]:
    """Exactly what the workaround deselects, from collect-only runs (a CliError if it
    deselects none of the named tests)."""
    from cockpit.engine.interpreter import InterpreterError, resolve_interpreter
    from cockpit.engine.runner import RunRequest
    from cockpit.isolation.workaround import WorkaroundError, verify_workaround

    try:
        interpreter = resolve_interpreter(project.folder, options.python)
        verified = verify_workaround(
            RunRequest(project=project.folder), interpreter, options.workaround, options.tests
        )
    except (InterpreterError, WorkaroundError) as error:
        raise CliError(str(error)) from None
    if verified.named_kept:
        from rich.markup import escape

        console().print(
            f"note: the workaround keeps {len(verified.named_kept)} of the named tests: "
            + ", ".join(escape(t) for t in verified.named_kept)
        )
    return verified.deselected


def _add_known_issue(project: Project, log: SessionLog, options: argparse.Namespace) -> int:
    deselected = _verified_deselection(project, options) if options.workaround else ()
    issue = log.add_known_issue(
        options.title,
        options.tests,
        workaround=options.workaround,
        deselected=deselected,
        priority=options.priority,
        effort=options.effort,
    )
    detail = f"; its workaround deselects {len(deselected)} tests" if options.workaround else ""
    console().print(f"known issue {issue.id} recorded{detail}")
    return 0
