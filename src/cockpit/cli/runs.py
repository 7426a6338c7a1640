"""``cockpit runs``, ``cockpit history`` and ``cockpit clusters``: what the session log
recorded of runs, of one test across them, and a run's failures grouped by root cause."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from cockpit.cli.output import console, print_json, when
from cockpit.cli.parsing import CliError, command_parser, resolve_project
from cockpit.engine.display import visible
from cockpit.engine.ending import RunNotice
from cockpit.report.figures import plural
from cockpit.rootcause.clusters import Cluster, Clusterer, error_outcome, with_regressions
from cockpit.store.evidence import ProjectSources, fill_evidence
from cockpit.store.imported import ImportSource
from cockpit.store.models import Run, RunImport
from cockpit.store.session_log import SessionLog


def _totals(run: Run) -> dict[str, int]:
    return {
        "passed": run.passed,
        "failed": run.failed,
        "errors": run.errors,
        "skipped": run.skipped,
        "xfailed": run.xfailed,
        "xpassed": run.xpassed,
    }


def source_json(source: ImportSource | RunImport) -> dict[str, Any]:
    """One source file of an imported run, as ``--json`` shows it (here and in runs)."""
    return {
        "path": source.path,
        "format": source.format,
        "tests": source.tests,
        "hostname": source.hostname,
        "ci_timestamp": source.ci_timestamp,
        "sha256": source.sha256,
    }


def _run_json(
    run: Run, notices: Sequence[RunNotice] = (), sources: Sequence[RunImport] = ()
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
        "origin": "imported" if sources else "local",
        "shard": sources[0].shard if sources else None,
        "sources": [source_json(source) for source in sources],
        "notices": [notice.as_json() for notice in notices],
    }


def command_runs(argv: Sequence[str]) -> int:
    parser = command_parser("cockpit runs", "List recorded runs, newest first.")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=int, default=None)
    options = parser.parse_args(argv)
    log = resolve_project(options).open_log()
    runs = log.runs(limit=options.limit)
    notices = log.notices([run.id for run in runs])
    if options.json:
        imported = log.imported_sources([run.id for run in runs])
        print_json([_run_json(run, notices[run.id], imported.get(run.id, ())) for run in runs])
        return 0
    table = Table("id", "started", "selection", "outcome", "passed", "failed", "errors", "skipped")
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
        )
    out = console()
    out.print(table)
    for run in runs:
        for notice in notices[run.id]:
            out.print(f"run {run.id}: {escape(visible(notice.message))}", style="yellow")
    return 0


def command_history(argv: Sequence[str]) -> int:
    parser = command_parser("cockpit history", "One test's outcome in every recorded run.")
    parser.add_argument("nodeid")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    rows = resolve_project(options).open_log().history(options.nodeid)
    if not rows:
        raise CliError(f"no recorded run has {options.nodeid}; cockpit runs lists the runs")
    from cockpit.isolation.flaky import flaky_flips
    from cockpit.isolation.log import history_points

    flaky = flaky_flips(history_points(rows))  # flips with the project's files unchanged
    if options.json:
        print_json(
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
        "run", "started", "outcome", "", "duration", "error", title=escape(visible(options.nodeid))
    )
    for run, result in rows:
        table.add_row(
            str(run.id),
            when(run.started_at),
            result.outcome,
            "[magenta]flaky[/]" if run.id in flaky else "",
            f"{result.duration:.3f}s",
            escape(visible(result.signature or "")),
        )
    console().print(table)
    if flaky:
        console().print(
            f"flaky: {len(flaky)} outcome flips with no project file changed in between "
            "(cockpit isolate reruns the test alone)",
            style="magenta",
        )
    return 0


def recorded_clusters(log: SessionLog, run: Run) -> list[Cluster]:
    """A recorded run's failures and collection errors grouped by root cause."""
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
