"""``cockpit runs``, ``cockpit history`` and ``cockpit clusters``: what the session log
recorded of runs, of one test across them, and a run's failures grouped by root cause.

``runs`` and ``history`` read through the quick sqlite3 path when they can (no SQLAlchemy,
and no rich for ``--json``); ``clusters`` reads failure texts through the session log.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.cli.output import console, print_json, when
from cockpit.cli.parsing import CliError, command_parser, resolve_project
from cockpit.engine.display import visible
from cockpit.store import log_queries
from cockpit.store.log_queries import RunRow, SourceRow

if TYPE_CHECKING:
    from cockpit.rootcause.clusters import Cluster
    from cockpit.store.imported import ImportSource
    from cockpit.store.models import Run
    from cockpit.store.session_log import SessionLog


def _totals(run: RunRow) -> dict[str, int]:
    return {
        "passed": run.passed,
        "failed": run.failed,
        "errors": run.errors,
        "skipped": run.skipped,
        "xfailed": run.xfailed,
        "xpassed": run.xpassed,
    }


def source_json(source: ImportSource | SourceRow) -> dict[str, Any]:
    """One source file of an imported run, as ``--json`` shows it (here and in import)."""
    return {
        "path": source.path,
        "format": source.format,
        "tests": source.tests,
        "hostname": source.hostname,
        "ci_timestamp": source.ci_timestamp,
        "sha256": source.sha256,
    }


def _run_json(
    run: RunRow, notices: Sequence[dict[str, Any]], sources: Sequence[SourceRow]
) -> dict[str, Any]:
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
        "deselected": run.deselected,
        "totals": _totals(run),
        "crashed_test": run.crashed_test,
        "start": {"mode": run.start_mode, "reason": run.start_reason} if run.start_mode else None,
        "origin": "imported" if sources else "local",
        "shard": sources[0].shard if sources else None,
        "sources": [source_json(source) for source in sources],
        "notices": list(notices),
    }


def command_runs(argv: Sequence[str]) -> int:
    parser = command_parser("cockpit runs", "List recorded runs, newest first.")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=int, default=None)
    options = parser.parse_args(argv)
    reader = log_queries.open_reader(resolve_project(options).database)
    try:
        runs = log_queries.runs(reader.query, options.limit)
        ids = [run.id for run in runs]
        notices = log_queries.notices(reader.query, ids)
        sources = log_queries.sources(reader.query, ids) if options.json else {}
    finally:
        reader.close()
    if options.json:
        print_json([_run_json(run, notices[run.id], sources.get(run.id, ())) for run in runs])
        return 0
    _print_runs(runs, notices)
    return 0


def _print_runs(runs: list[RunRow], notices: dict[int, list[dict[str, Any]]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        "id", "started", "selection", "outcome", "passed", "failed", "errors", "skipped", "start"
    )
    for run in runs:
        table.add_row(
            str(run.id),
            when(run.started_at),
            escape(visible(run.selection_reason)),
            run.outcome,
            str(run.passed),
            str(run.failed),
            str(run.errors),
            str(run.skipped),
            run.start_mode or "-",
        )
    out = console()
    out.print(table)
    for run in runs:
        for notice in notices[run.id]:
            out.print(f"run {run.id}: {escape(visible(notice['message']))}", style="yellow")


def command_history(argv: Sequence[str]) -> int:
    parser = command_parser("cockpit history", "One test's outcome in every recorded run.")
    parser.add_argument("nodeid")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    reader = log_queries.open_reader(resolve_project(options).database)
    try:
        rows = log_queries.history(reader.query, options.nodeid)
    finally:
        reader.close()
    if not rows:
        raise CliError(f"no recorded run has {options.nodeid}; cockpit runs lists them")
    from cockpit.isolation.flaky import HistoryPoint, flaky_flips

    points = [HistoryPoint(r.run_id, r.outcome, r.source_digest, r.interpreter) for r in rows]
    flaky = flaky_flips(points)  # flips with the project's files unchanged
    if options.json:
        print_json(
            [
                {
                    "run": row.run_id,
                    "started_at": row.started_at,
                    "outcome": row.outcome,
                    "duration": row.duration,
                    "signature": row.signature,
                    "flaky": row.run_id in flaky,
                }
                for row in rows
            ]
        )
        return 0
    _print_history(options.nodeid, rows, flaky)
    return 0


def _print_history(nodeid: str, rows: list[log_queries.HistoryRow], flaky: frozenset[int]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        "run", "started", "outcome", "", "duration", "error", title=escape(visible(nodeid))
    )
    for row in rows:
        table.add_row(
            str(row.run_id),
            when(row.started_at),
            row.outcome,
            "[magenta]flaky[/]" if row.run_id in flaky else "",
            f"{row.duration:.3f}s",
            escape(visible(row.signature or "")),
        )
    console().print(table)
    if flaky:
        console().print(
            f"flaky: {len(flaky)} outcome flips with no project file changed in between "
            "(cockpit isolate reruns the test alone)",
            style="magenta",
        )


def recorded_clusters(log: SessionLog, run: Run) -> list[Cluster]:
    """A recorded run's failures and collection errors grouped by root cause."""
    from cockpit.rootcause.clusters import Clusterer, error_outcome, with_regressions

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
        outcome = error_outcome(error.kind or "module")
        clusterer.add(error.path, error.path, outcome, error.message, error.longrepr)
    return with_regressions(clusterer.clusters(), log.regressions(run.id))


def command_clusters(argv: Sequence[str]) -> int:
    from rich.markup import escape

    from cockpit.report.figures import plural
    from cockpit.store.evidence import ProjectSources, fill_evidence

    parser = command_parser("cockpit clusters", "Failures of a run grouped by root cause.")
    parser.add_argument("--run", type=int, default=None, help="run id (default: the last)")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    log = resolve_project(options).open_log()
    if options.run is None:
        latest = log.runs(limit=1)
        if not latest:
            raise CliError("no recorded run yet; cockpit run records one")
        run = latest[0]
    else:
        run = log.run(options.run)
    clusters = recorded_clusters(log, run)
    root = Path(run.rootdir) if run.rootdir else None
    fill_evidence(clusters, ProjectSources(root, log, run.id))
    if options.json:
        print_json([cluster.as_json() for cluster in clusters])
        return 0
    out = console()
    out.print(f"run {run.id}: {plural(len(clusters), 'root cause')}")
    for cluster in clusters:
        data = cluster.as_json()
        outcomes_text = ", ".join(f"{n} {kind}" for kind, n in data["outcomes"].items())
        out.print(
            f"\n[bold]{cluster.count}[/bold] x {escape(visible(data['signature']))}\n"
            f"  {outcomes_text} in {plural(len(data['modules']), 'module')}; "
            f"fix near {escape(visible(data['location'] or 'unknown'))}"
        )
        if data["outcomes"].get("conftest error") or data["outcomes"].get("plugin error"):
            blocked = ", ".join(data["modules"])
            out.print(
                f"  a conftest or plugin failed to import: no test under {escape(blocked)} ran"
            )
        if data["hint"]:
            out.print(f"  hint: {escape(visible(data['hint']))}", style="yellow")
    return 0
