"""``cockpit diff``: what changed between two runs, per module.

Kept apart from the other log commands so that ``cockpit diff --json`` imports neither
SQLAlchemy nor rich when the session log is a current SQLite file (see ``quick_read``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cockpit.cli.parsing import CliError, Parser, add_store_options, resolve_project
from cockpit.report.diff import RunDiff, diff_changes
from cockpit.report.figures import plural
from cockpit.settings import DatabaseLocation
from cockpit.store.quick_read import STOPPED_OUTCOMES, ChangedRows, QuickReader, RunHeader

if TYPE_CHECKING:
    from cockpit.store.models import Run


def _run_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise CliError(f"{text!r} is not a run id; cockpit runs lists them") from None


def _choose(
    requested: list[int],
    run: Callable[[int], RunHeader | None],
    last_runs: Callable[[int], list[RunHeader]],
) -> tuple[RunHeader, RunHeader]:
    """(before, after) from 0, 1 or 2 requested ids: the default is the last two runs."""
    headers: list[RunHeader] = []
    for run_id in requested:
        header = run(run_id)
        if header is None:
            raise CliError(f"no run {run_id}; cockpit runs lists them")
        headers.append(header)
    if len(headers) == 2:
        return headers[0], headers[1]
    latest = last_runs(1 if headers else 2)
    if len(headers) == 1 and latest:
        return headers[0], latest[0]
    if len(latest) < 2:
        raise CliError("cockpit diff needs two recorded runs; run the tests again first")
    return latest[1], latest[0]


def _compare(
    database: DatabaseLocation, requested: list[int]
) -> tuple[RunHeader, RunHeader, ChangedRows]:
    reader = QuickReader.open(database)
    if reader is not None:
        try:
            before, after = _choose(requested, reader.run, reader.last_runs)
            return before, after, reader.changed(before, after)
        finally:
            reader.close()
    from cockpit.errors import NotFound
    from cockpit.store.session_log import SessionLog

    log = SessionLog.open(database)

    def header(run_id: int) -> RunHeader | None:
        try:
            run = log.run(run_id)
        except NotFound:
            return None
        return _header(run)

    def last(limit: int) -> list[RunHeader]:
        return [_header(run) for run in log.runs(limit=limit)]

    try:
        before, after = _choose(requested, header, last)
        changed = log.changed_results(log.run(before.id), log.run(after.id))
        return before, after, changed
    finally:
        log.close()


def command_diff(argv: Sequence[str]) -> int:
    parser = Parser(
        prog="cockpit diff",
        description="What changed between two runs (default: the last two).",
        allow_abbrev=False,
    )
    parser.add_argument("runs", nargs="*", metavar="RUN")
    parser.add_argument("--json", action="store_true")
    add_store_options(parser)
    options = parser.parse_args(argv)
    if len(options.runs) > 2:
        raise CliError("cockpit diff takes at most two run ids")
    requested = [_run_id(text) for text in options.runs]
    before, after, rows = _compare(resolve_project(options).database, requested)
    diff = diff_changes(
        rows, before_whole_suite=before.whole_suite, after_whole_suite=after.whole_suite
    )
    if options.json:
        print(json.dumps(diff.as_json(), indent=2, ensure_ascii=False))
    else:
        _print(diff, before, after)
    return 0


def _print(diff: RunDiff, before: RunHeader, after: RunHeader) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"run {before.id} ({escape(before.selection_reason)}) -> "
        f"run {after.id} ({escape(after.selection_reason)})"
    )
    grouped = diff.by_module()
    for kind in ("fixed", "broken", "changed_error", "new", "removed"):
        modules = grouped.get(kind, {})
        total = sum(len(tests) for tests in modules.values())
        console.print(f"[bold]{kind.replace('_', ' ')}[/bold]: {total}")
        for module, tests in sorted(modules.items()):
            console.print(f"  {escape(module)}: {len(tests)}")
            for nodeid in tests[:20]:
                console.print(f"    {escape(nodeid)}")
            if len(tests) > 20:
                console.print(f"    ... and {len(tests) - 20} more")
    if diff.not_compared:
        console.print(
            f"{plural(diff.not_compared, 'test')} ran in only one of the two runs, which is a "
            "subset: not counted as new or removed"
        )


def _header(run: Run) -> RunHeader:
    """A run as the diff sees it: a run pytest stopped before any test is no whole suite."""
    whole = run.whole_suite and run.outcome not in STOPPED_OUTCOMES
    return RunHeader(run.id, whole, run.selection_reason)
