"""``cockpit import FILE...``: a CI run's results (JUnit XML, report-logs) as a recorded run.

The fix session often starts from a red CI job, not a local run: its result files become a
run of the session log labelled imported, with its files, the CI's hostname and timestamp,
which everything downstream reads like any other (``diff``, ``clusters``, ``history``, the
app, the export). Several files are shards of one run; ``--shard`` says the files are only
a part of the suite, so no figure of theirs reads as a whole-suite figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.text import Text

from cockpit.cli.output import console, print_json
from cockpit.cli.parsing import DEFAULT_CAPTURE_CAP, CliError, command_parser, resolve_project
from cockpit.cli.runs import recorded_clusters, source_json
from cockpit.engine.summary import counts_text
from cockpit.imports.record import ImportRequest, ImportResult, import_files
from cockpit.store.imported import AlreadyImported


def _utc(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def result_json(result: ImportResult) -> dict[str, Any]:
    ending = result.ending
    return {
        "run_id": result.run_id,
        "selection": ending.selection_reason,
        "whole_suite": ending.whole_suite,
        "shard": ending.shard,
        "outcome": ending.outcome,
        "exit_code": ending.exit_code,
        "totals": {
            "passed": ending.totals.passed,
            "failed": ending.totals.failed,
            "errors": ending.totals.errors,
            "skipped": ending.totals.skipped,
            "xfailed": ending.totals.xfailed,
            "xpassed": ending.totals.xpassed,
        },
        "collected": ending.totals.collected,
        "collection_errors": result.collection_errors,
        "started_at": ending.started_at,
        "ended_at": ending.ended_at,
        "sources": [source_json(source) for source in result.sources],
        "guessed_nodeids": result.guessed,
        "overlapping_tests": result.overlapping,
    }


def _print(result: ImportResult, clusters: list[Any]) -> None:
    from cockpit.cli.headless import print_root_causes

    out, ending, totals = console(), result.ending, result.ending.totals
    out.print(f"[bold]run {result.run_id}[/bold]: {escape(ending.selection_reason)}")
    for source in result.sources:
        where = ", ".join(
            part
            for part in (source.hostname and f"host {source.hostname}", _utc(source.ci_timestamp))
            if part and part != "-"
        )
        out.print(f"  {escape(source.path)}: {source.tests} tests ({source.format}) {where}")
    if result.guessed:
        out.print(
            f"  {result.guessed} test names name files this project does not have: their node "
            "ids are guesses (run cockpit import in the project the results came from)",
            style="yellow",
        )
    if result.overlapping:
        out.print(
            f"  {result.overlapping} tests are in more than one file: each is kept once, "
            "with its first file's result",
            style="yellow",
        )
    print_root_causes(out, clusters, None)
    line = counts_text(totals) or "no tests"
    style = "bold green" if ending.outcome == "passed" else "bold red"
    out.print(Text(f"{line} ({ending.outcome} on CI)", style=style))


def command_import(argv: Sequence[str]) -> int:
    parser = command_parser(
        "cockpit import",
        "Record a CI run's results (pytest --junitxml files, pytest-reportlog files) as one "
        "run of the session log. Several files are shards of one run.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path)
    parser.add_argument(
        "--shard",
        metavar="PART",
        help="the files are this part of the suite (e.g. 2/4), not the whole of it",
    )
    parser.add_argument(
        "--capture-cap",
        metavar="BYTES",
        type=int,
        default=DEFAULT_CAPTURE_CAP,
        help="keep at most this much of each message, traceback and output (as cockpit run)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    options = parser.parse_args(argv)
    if options.capture_cap < 256:
        raise CliError("--capture-cap must be at least 256 bytes")
    if options.shard is not None and not options.shard.strip():
        raise CliError("--shard needs a name for the part, e.g. --shard 2/4")
    project = resolve_project(options)
    request = ImportRequest(
        files=tuple(options.files),
        project_root=project.root,
        shard=options.shard.strip() if options.shard else None,
        capture_cap=options.capture_cap,
    )
    log = project.open_log()
    try:
        try:
            result = import_files(log, request)
        except AlreadyImported as error:
            raise CliError(str(error)) from None
        if options.json:
            print_json(result_json(result))
        else:
            _print(result, recorded_clusters(log, log.run(result.run_id)))
    finally:
        log.close()
    return 0
