"""``cockpit run`` and ``cockpit demo``: one pytest run, shown live, recorded, summarised.

Heavy modules (asyncio, the runner, SQLAlchemy, rich) are imported inside the commands
that need them, never at the top of the command line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cockpit.cli.parsing import resolve_project, split_run_args

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

    from cockpit.engine.ending import RunResult
    from cockpit.engine.events import Event
    from cockpit.session.recorded_run import OnBatch, RecordedRun
    from cockpit.store.evidence import ProjectSources


async def execute(run: RecordedRun, on_batch: OnBatch | None) -> RunResult:
    """Run, turning SIGINT / SIGTERM / SIGHUP into a clean cancel of the whole child group."""
    import asyncio
    import signal

    loop = asyncio.get_running_loop()
    cancel_tasks: list[asyncio.Task[None]] = []

    def request_cancel() -> None:
        cancel_tasks.append(loop.create_task(run.cancel()))

    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    for sig in signals:
        loop.add_signal_handler(sig, request_cancel)
    try:
        result = await run.execute(on_batch)
        for task in cancel_tasks:
            await task
        return result
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def command_run(argv: Sequence[str], *, python: str | None = None) -> int:
    """One run. The child starts first: the session log (SQLAlchemy's import, the record)
    opens in a thread and rich's live view is built while pytest starts up."""
    options, pytest_args = split_run_args(argv)
    project = resolve_project(options, python=options.python or python, runs_tests=True)
    from cockpit.session.tracing import plan_trace

    wanted = not (options.no_record or options.no_trace)
    trace = plan_trace(project.root, tuple(pytest_args), wanted=wanted)
    early = None
    if not options.warm:
        from cockpit.engine.early import EarlyStart

        early = EarlyStart(
            project.folder,
            project.require_interpreter(),
            tuple(pytest_args),
            capture_cap=options.capture_cap,
            keep_terminal=options.pytest_output,
            cache_dir=project.cache_dir,
            root=project.root,
            call_map=trace.prefix if trace is not None else None,
        )
    import asyncio

    from cockpit.session.recorded_run import RecordedRun

    run = RecordedRun(
        project,
        pytest_args,
        log_opener=None if options.no_record else project.open_log,
        capture_cap=options.capture_cap,
        keep_terminal=options.pytest_output,
        launcher=project.warm_starts() if options.warm else None,
        early=early,
        trace=trace if trace is not None else False,
    )
    if options.json:
        result = asyncio.run(_warm_or_cold(run, None))
        payload = _json_payload(result, run)
        print(json.dumps(payload, indent=2))
    else:
        result, console = asyncio.run(_shown(run))
        _print_ending(console, result, run, options)
    if result.error:
        print(f"cockpit: {result.error}", file=sys.stderr)
    return result.exit_code


async def _warm_or_cold(run: RecordedRun, on_batch: OnBatch | None) -> RunResult:
    """``--warm``: fork from a warm server started for this run (then stopped)."""
    from cockpit.warm.starts import WarmStarts

    starts = run.launcher
    if not isinstance(starts, WarmStarts):  # cold, the child already started (EarlyStart)
        return await execute(run, on_batch)
    starts.prepare()
    try:
        result = await execute(run, on_batch)
        rerun = run.cold_rerun()
        if rerun is not None:
            result = await execute(rerun, on_batch)
        return result
    finally:
        await starts.close()


async def _shown(run: RecordedRun) -> tuple[RunResult, Console]:
    """The run with rich's live view, which is imported and set up once pytest started."""
    import asyncio

    early: list[list[Event]] = []
    shown: list[OnBatch] = []

    def on_batch(batch: list[Event]) -> None:
        (shown[0] if shown else early.append)(batch)

    running = asyncio.create_task(_warm_or_cold(run, on_batch))
    started = asyncio.create_task(run.run.started.wait())
    await asyncio.wait({running, started}, return_when=asyncio.FIRST_COMPLETED)
    started.cancel()
    from rich.console import Console

    from cockpit.cli.headless import HeadlessReporter

    console = Console(highlight=False)
    with HeadlessReporter(console, run.state, run.request.pytest_args) as reporter:
        for batch in early:
            reporter.on_batch(batch)
        shown.append(reporter.on_batch)
        result = await running
    return result, console


def _json_payload(result: RunResult, run: RecordedRun) -> dict[str, object]:
    from cockpit.engine.summary import result_to_json

    payload = result_to_json(result)
    payload["run_id"] = run.run_id
    return payload


def _print_ending(
    console: Console, result: RunResult, run: RecordedRun, options: argparse.Namespace
) -> None:
    from cockpit.cli.headless import print_summary
    from cockpit.engine.state import RunOutcome

    started = result.state.session is not None or result.state.startup_error is not None
    if started and result.outcome is not RunOutcome.USAGE_ERROR:
        print_summary(console, result, run.regressions, _sources(result, run))
        if run.run_id is not None:
            console.print(
                f"recorded as run {run.run_id} in the session log "
                "(cockpit runs, cockpit diff, cockpit fix add)",
                style="dim",
            )
    if options.pytest_output and result.stdout_tail.strip():
        from cockpit.engine.display import visible

        console.print(visible(result.stdout_tail), markup=False, highlight=False)


def _sources(result: RunResult, run: RecordedRun) -> ProjectSources:
    """The run's files for the hints: its snapshot in the log, else the project on disk."""
    from pathlib import Path

    from cockpit.store.evidence import ProjectSources

    state = result.state
    rootdir = state.session.rootdir if state.session else None
    if rootdir is None and state.startup_error is not None:
        rootdir = state.startup_error.rootdir
    root = Path(rootdir) if rootdir else run.project.root
    return ProjectSources(root, run.log, run.run_id)


def command_demo(argv: Sequence[str]) -> int:
    from cockpit.cli.demo import copy_demo_project

    options, pytest_args = split_run_args(argv, prog="cockpit demo")
    target = copy_demo_project()
    print(f"cockpit demo: an example backend copied to {target}", file=sys.stderr)
    if not options.json and sys.stdin.isatty() and sys.stdout.isatty():
        from cockpit.cli.app import command_app

        # The app on the example, running it at once; without a terminal, the headless run.
        return command_app(
            ["--project", str(target), "--", *pytest_args],
            python=options.python or sys.executable,
            run=True,
        )
    forwarded = ["--project", str(target)]
    if options.json:
        forwarded.append("--json")
    return command_run([*forwarded, *pytest_args], python=options.python or sys.executable)
