"""``cockpit status``: the session picture headless, every module as last seen.

Kept apart from the other log commands so that ``cockpit status --json`` on a SQLite log
imports neither SQLAlchemy nor rich (see ``cockpit.session.status``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cockpit.cli.parsing import Parser, add_session_option, add_store_options, resolve_project
from cockpit.session.status import SessionStatus, read_status, status_json
from cockpit.suite.model import Counts

if TYPE_CHECKING:
    from rich.table import Table


def _parser() -> Parser:
    parser = Parser(
        prog="cockpit status",
        description="Every module of the suite as last seen in the session: its latest "
        "counts, the runs they come from, and whether files it depends on changed since.",
        allow_abbrev=False,
    )
    add_session_option(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_store_options(parser)
    return parser


def command_status(argv: Sequence[str]) -> int:
    options = _parser().parse_args(argv)
    project = resolve_project(options)
    status = read_status(project, options.session)
    if options.json:
        print(json.dumps(status_json(status, project.root), indent=2, ensure_ascii=False))
    else:
        _print(status)
    return 0


def counts_words(counts: Counts) -> str:
    """``45 passed, 2 failed, 1 skipped`` (zero counts left out, passed always said)."""
    words = [f"{counts.passed} passed"]
    for name, word in (
        ("failed", "failed"),
        ("errors", "errors"),
        ("crashed", "crashed"),
        ("skipped", "skipped"),
        ("xfailed", "xfailed"),
        ("xpassed", "xpassed"),
    ):
        value = getattr(counts, name)
        if value:
            words.append(f"{value} {word}")
    return ", ".join(words)


def _run_words(status: SessionStatus, run_id: int) -> str:
    line = status.runs[run_id]
    when = time.strftime("%H:%M:%S", time.localtime(line.facts.started_at))
    return f"run {run_id} at {when}, {line.passed} of {line.collected} passed"


def _print(status: SessionStatus) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    picture = status.picture
    console.print(f"[bold]session {status.session_id}[/bold]: {escape(status.title)}")
    if not picture.runs:
        console.print("no run recorded in this session yet: cockpit run records one")
        return
    modules = picture.modules()
    totals = picture.totals()
    known = sum(module.known for module in modules.values())
    errors = picture.collection_errors
    console.print(
        f"latest known state: {counts_words(totals)} of {totals.tests} tests in "
        f"{len(modules)} modules"
        + (f", {errors} not importable" if errors else "")
        + (f" ({known} failing in known issues)" if known else "")
    )
    last, whole, baseline = picture.last_run, picture.last_whole, picture.baseline
    if whole is None:
        console.print("[yellow]no whole-suite run finished in this session[/yellow]")
    else:
        console.print(f"last whole-suite run: {_run_words(status, whole.id)}")
        if baseline is not None and baseline.id != whole.id:
            console.print(f"baseline (first whole-suite run): {_run_words(status, baseline.id)}")
    if last is not None and (whole is None or last.id != whole.id):
        console.print(f"latest run: {escape(last.selection)} ({_run_words(status, last.id)})")
    console.print(_module_table(status))
    if status.staleness.problem:
        console.print(f"[yellow]{escape(status.staleness.problem)}[/yellow]")
    elif status.staleness.stale:
        stale_paths = status.staleness.stale
        console.print(
            f"stale modules ({len(stale_paths)}): a file they depend on changed since their "
            "results; rerun them with: cockpit run " + " ".join(map(escape, stale_paths))
        )


def _module_table(status: SessionStatus) -> Table:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    modules = status.picture.modules()
    # The module is what the reader looks for: it keeps its width (up to 60) and the
    # counts take what is left, in a table without side borders.
    longest = max(map(len, modules), default=6)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("module", no_wrap=True, min_width=min(longest, 60))
    for heading in ("tests", "pass", "fail", "err", "skip", "xf"):
        table.add_column(heading, no_wrap=True, justify="right")
    table.add_column("from", no_wrap=True)
    table.add_column("stale", no_wrap=True)
    stale = status.staleness.modules
    for path, module in modules.items():
        counts = module.counts
        flag = stale.get(path)
        table.add_row(
            escape(path),
            str(counts.tests),
            str(counts.passed),
            str(counts.failed + counts.crashed),
            str(counts.errors),
            str(counts.skipped),
            str(counts.xfailed),
            ("runs " if len(module.runs) > 1 else "run ") + ", ".join(map(str, module.runs)),
            "stale" if flag else "-" if flag is False else "?",
        )
        if module.collection_error:
            table.add_row(f"  [red]does not import: {escape(module.collection_error)}[/red]")
    return table
