"""``cockpit isolate``: rerun failing tests alone and say whether each failure is real.

Each test runs alone in ``--repeats`` fresh pytest processes, ``--jobs`` at a time; its
verdict is ``fails-alone`` (a real failure), ``passes-alone`` (something earlier in the run
breaks it; ``--bisect`` names the polluter) or ``flaky``. The verdicts go into the session
log. Exit 0 whenever the reruns ran, whatever they found.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cockpit.cli.parsing import CliError, Parser, add_store_options, resolve_project
from cockpit.engine.interpreter import Interpreter, InterpreterError, resolve_interpreter
from cockpit.errors import EXIT_NOT_STARTED
from cockpit.isolation.log import failing_tests, record_isolations, run_order
from cockpit.isolation.rerunner import isolate_tests
from cockpit.isolation.verdicts import IsolationVerdict, Verdict, ran_before
from cockpit.report.figures import plural
from cockpit.store.models import Run
from cockpit.store.session_log import SessionLog

T = TypeVar("T")

_VERDICT_STYLE = {
    Verdict.FAILS_ALONE: "red",
    Verdict.PASSES_ALONE: "yellow",
    Verdict.FLAKY: "magenta",
}


def _parser() -> Parser:
    parser = Parser(
        prog="cockpit isolate",
        description="Rerun failing tests alone in fresh pytest processes: fails-alone (a real "
        "failure), passes-alone (order-dependent) or flaky.",
        allow_abbrev=False,
    )
    parser.add_argument("nodeids", nargs="*", metavar="NODEID", help="tests to rerun alone")
    parser.add_argument(
        "--failed", action="store_true", help="the failing tests of the last run (or --run N)"
    )
    parser.add_argument("--run", type=int, default=None, help="the failing run (default: the last)")
    parser.add_argument(
        "--repeats", type=int, default=3, metavar="K", help="fresh processes per test (default 3)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="J",
        help="processes at a time (default: the number of CPUs)",
    )
    parser.add_argument(
        "--bisect",
        action="store_true",
        help="for a test that passes alone, bisect the tests run before it to name the polluter",
    )
    parser.add_argument("--python", metavar="PATH", help="interpreter (or virtualenv) to test with")
    parser.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    add_store_options(parser)
    return parser


def _failing_run(log: SessionLog, run_id: int | None) -> Run:
    if run_id is not None:
        return log.run(run_id)
    latest = log.runs(limit=1)
    if not latest:
        raise CliError("no recorded run yet; cockpit run records one (or name the tests)")
    return latest[0]


def _interpreter(project: Path, explicit: str | None, run: Run | None) -> Interpreter:
    """``--python``, else the failing run's own interpreter, else the usual resolution."""
    if explicit is None and run is not None and run.interpreter:
        recorded = Path(run.interpreter)
        if recorded.is_file() and os.access(recorded, os.X_OK):
            return Interpreter(recorded, f"the interpreter of run {run.id}")
    try:
        return resolve_interpreter(project, explicit)
    except InterpreterError as error:
        raise CliError(str(error), EXIT_NOT_STARTED) from None


async def _cancellable(coroutine: Coroutine[Any, Any, T]) -> T:
    """Await ``coroutine``; SIGTERM and SIGHUP cancel it as Ctrl-C does (every rerun stops)."""
    task = asyncio.ensure_future(coroutine)
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGHUP)
    for sig in signals:
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await task
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def _table(verdicts: Sequence[IsolationVerdict], bisected: bool) -> Table:
    table = Table(title="isolation")
    table.add_column("test", overflow="fold")
    table.add_column("verdict", no_wrap=True)
    table.add_column("outcomes alone")
    table.add_column("polluter", overflow="fold")
    for verdict in verdicts:
        polluter = verdict.polluter
        if polluter is None:
            polluter = "not found" if bisected and verdict.verdict is Verdict.PASSES_ALONE else "-"
        table.add_row(
            escape(verdict.nodeid),
            f"[{_VERDICT_STYLE[verdict.verdict]}]{verdict.verdict}[/]",
            ", ".join(verdict.outcomes),
            escape(polluter),
        )
    return table


def _targets(log: SessionLog, run: Run | None, options: argparse.Namespace) -> list[str]:
    """The tests named, plus the failing tests of ``run`` with ``--failed``."""
    targets = list(options.nodeids)
    if options.failed:
        assert run is not None
        failing = failing_tests(log, run.id)
        if not failing:
            broken = len(log.collection_errors(run.id))
            detail = (
                f" (its {broken} collection errors are modules that do not import: "
                "cockpit clusters groups them)"
                if broken
                else ""
            )
            raise CliError(f"run {run.id} has no failing tests to isolate{detail}")
        targets += failing
    if not targets:
        raise CliError("name the tests to isolate (NODEID...) or pass --failed")
    return list(dict.fromkeys(targets))


def _bisect_order(log: SessionLog, run: Run | None, targets: list[str]) -> list[str] | None:
    """The failing run's order, for ``--bisect``; says which targets have nothing before."""
    if run is None:
        return None
    order = run_order(log, run.id)
    for target in targets:
        if not ran_before(order, target):
            print(
                f"cockpit: {target} has no test before it in run {run.id}; "
                "nothing to bisect for it",
                file=sys.stderr,
            )
    return order


def command_isolate(argv: Sequence[str]) -> int:
    options = _parser().parse_args(argv)
    if options.repeats < 1:
        raise CliError("--repeats must be at least 1")
    if options.jobs is not None and options.jobs < 1:
        raise CliError("--jobs must be at least 1")
    project = resolve_project(options)
    log = project.open_log()
    needs_run = options.failed or options.bisect or options.run is not None
    run = _failing_run(log, options.run) if needs_run else None
    targets = _targets(log, run, options)
    order = _bisect_order(log, run, targets) if options.bisect else None
    interpreter = _interpreter(project.folder, options.python, run)
    cwd = Path(run.rootdir) if run is not None and run.rootdir else project.folder
    if not cwd.is_dir():
        cwd = project.folder
    console = Console(highlight=False, soft_wrap=True)
    if not options.json:
        jobs = options.jobs or os.cpu_count() or 1
        console.print(
            f"rerunning {plural(len(targets), 'test')} alone, "
            f"{plural(options.repeats, 'time')} each, {jobs} at a time, "
            f"with {escape(str(interpreter.path))} ({interpreter.reason})",
            style="dim",
        )

    def show(verdict: IsolationVerdict) -> None:
        """Each verdict as it is final: a long isolation is never silent."""
        console.print(f"  {verdict.verdict:<12} {escape(verdict.nodeid)}", style="dim")

    isolation = isolate_tests(
        cwd,
        interpreter,
        targets,
        repeats=options.repeats,
        jobs=options.jobs,
        on_verdict=None if options.json else show,
        run_order=order,
    )
    try:
        verdicts = asyncio.run(_cancellable(isolation))
    except asyncio.CancelledError:
        print("cockpit: interrupted; no verdict recorded", file=sys.stderr)
        return 2
    record_isolations(log, run.id if run is not None else None, verdicts)
    if options.json:
        print(json.dumps([verdict.as_json() for verdict in verdicts], indent=2))
        return 0
    console.print(_table(verdicts, options.bisect))
    return 0
