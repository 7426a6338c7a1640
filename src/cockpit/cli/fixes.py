"""``cockpit fix`` and ``cockpit known``: fixes with their measured evidence, and known
issues with verified workarounds."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cockpit.cli.output import console, print_json
from cockpit.cli.parsing import CliError, command_parser, resolve_project, sub_actions
from cockpit.engine.display import visible
from cockpit.report.figures import evidence_words, plural
from cockpit.store import log_queries

if TYPE_CHECKING:  # ``fix list`` and ``known list`` read without SQLAlchemy or rich
    from cockpit.session.project import Project
    from cockpit.store.coverage import Evidence
    from cockpit.store.log_queries import FixRow, KnownRow
    from cockpit.store.models import Fix, KnownIssue
    from cockpit.store.session_log import SessionLog

RISKS = ("low", "medium", "high")
PRIORITIES = ("low", "medium", "high")


# -- fixes ------------------------------------------------------------------------------
def _fix_json(fix: Fix | FixRow, evidence: Evidence | None) -> dict[str, Any]:
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
        "flipped_to_pass": evidence.flipped if evidence else None,
        "flipped_count": evidence.flipped_count if evidence else None,
        "collection_errors_resolved": evidence.errors_resolved if evidence else None,
        "new_tests_passing": evidence.new_passing if evidence else None,
        "new_passing_count": evidence.new_passing_count if evidence else None,
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
        "--files",
        nargs="*",
        default=None,
        help="default: the files whose content changed between the run before the fix and "
        "the run that proved it",
    )
    add.add_argument("--risk", choices=RISKS, default="low")
    add.add_argument("--json", action="store_true")
    listing = action("list", "list fixes")
    listing.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    project = resolve_project(options)
    if options.action == "add":
        return _add_fix(project, project.open_log(), options)
    reader = log_queries.open_reader(project.database)
    try:
        fixes = [
            (fix, log_queries.fix_evidence(reader.query, fix.before_run_id, fix.evidence_run_id))
            for fix in log_queries.fixes(reader.query)
        ]
    finally:
        reader.close()
    if options.json:
        print_json([_fix_json(fix, evidence) for fix, evidence in fixes])
        return 0
    _print_fixes(fixes)
    return 0


def _print_fixes(fixes: list[tuple[FixRow, Evidence | None]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table("id", "title", "risk", "files", "before", "evidence", "what it shows")
    for fix, evidence in fixes:
        flipped = evidence_words(evidence) if evidence is not None else "waiting for a run"
        table.add_row(
            str(fix.id),
            escape(visible(fix.title)),
            fix.risk,
            str(len(fix.files)),
            str(fix.before_run_id or "-"),
            str(fix.evidence_run_id or "-"),
            flipped,
        )
    console().print(table)


def _add_fix(project: Project, log: SessionLog, options: argparse.Namespace) -> int:
    from rich.markup import escape

    from cockpit.session.fixes import fix_evidence, place_fix

    plan = place_fix(log, project.root, options.files)
    fix = log.add_fix(
        options.title,
        problem=options.problem,
        root_cause=options.root_cause,
        solution=options.solution,
        files=plan.files,
        risk=options.risk,
        before_run_id=plan.before_run,
        evidence_run_id=plan.evidence_run,
    )
    if options.json:
        print_json(_fix_json(fix, fix_evidence(log, fix)))
        return 0
    named = ", ".join(fix.files) if fix.files else "no files"
    if fix.before_run_id is None:
        console().print(f"fix {fix.id} logged before any run ({escape(named)})")
        return 0
    if fix.evidence_run_id is None:
        console().print(
            f"fix {fix.id} logged after run {fix.before_run_id} ({escape(named)}); "
            "the next run that covers its failing tests becomes its evidence"
        )
        return 0
    evidence = fix_evidence(log, fix)
    shown = evidence_words(evidence) if evidence is not None else ""
    console().print(
        f"fix {fix.id} logged: run {fix.before_run_id} before it, run {fix.evidence_run_id} "
        f"proves it ({shown}); files: {escape(named)}"
    )
    return 0


# -- known issues -----------------------------------------------------------------------
def _known_json(issue: KnownIssue | KnownRow) -> dict[str, Any]:
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
    add.add_argument("--json", action="store_true")
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
            escape(visible(issue.title)),
            str(len(issue.tests)),
            escape(visible(issue.workaround or "-")),
            str(len(issue.deselected)) if issue.workaround else "-",
            issue.priority,
            escape(visible(issue.effort or "-")),
        )
    console().print(table)
    return 0


def _verified_deselection(
    project: Project, options: argparse.Namespace
) -> tuple[Sequence[str], Sequence[str]]:
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
    if verified.named_kept and not options.json:
        from rich.markup import escape

        console().print(
            f"note: the workaround keeps {len(verified.named_kept)} of the named tests: "
            + ", ".join(escape(visible(t)) for t in verified.named_kept)
        )
    return verified.deselected, verified.named_kept


def _add_known_issue(project: Project, log: SessionLog, options: argparse.Namespace) -> int:
    deselected, kept = _verified_deselection(project, options) if options.workaround else ((), ())
    issue = log.add_known_issue(
        options.title,
        options.tests,
        workaround=options.workaround,
        deselected=deselected,
        priority=options.priority,
        effort=options.effort,
    )
    if options.json:
        print_json({**_known_json(issue), "named_kept": list(kept)})
        return 0
    deselects = plural(len(deselected), "test")
    detail = f"; its workaround deselects {deselects}" if options.workaround else ""
    console().print(f"known issue {issue.id} recorded{detail}")
    return 0
