"""``cockpit affected`` and ``cockpit watch``: affected-test selection, and the loop on it.

``watch`` runs each selection the way ``cockpit run`` runs its arguments (same request,
interpreter, live view, summary and session log), recording the selection's reason with
each run. It keeps its own signal handling: Ctrl-C cancels the run in progress *and*
stops watching, where ``run``'s handler only cancels its one run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.cli.parsing import (
    CliError,
    Parser,
    add_store_options,
    project_folder,
    resolve_project,
    run_parser,
    split_run_args,
)

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

    from cockpit.engine.ending import RunResult
    from cockpit.engine.launch import Launcher
    from cockpit.session.project import Project
    from cockpit.session.recorded_run import RecordedRun
    from cockpit.store.call_map import CallMapStore
    from cockpit.store.session_log import SessionLog
    from cockpit.watch.affected import AffectedSelector
    from cockpit.watch.selection import Selection


def _affected_parser() -> Parser:
    parser = Parser(
        prog="cockpit affected",
        description="Print the tests that changes to PATHs can affect, and why; runs nothing.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", type=Path, help="changed files")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--no-last-failed",
        action="store_true",
        help="leave out the tests that failed in cockpit's last runs",
    )
    parser.add_argument(
        "--coarse",
        action="store_true",
        help="the import graph alone: every test of every test file a change can reach",
    )
    add_store_options(parser)
    return parser


def print_selection(selection: Selection, write: Callable[[str], object] = print) -> None:
    if selection.everything:
        write("everything (the whole suite):")
        for why in selection.why_everything:
            write(f"  because {why}")
    for target in selection.targets if not selection.everything else ():
        mark = " (failed last time: runs first)" if target.failed_last else ""
        write(f"{target.path}{mark}")
        for reason in target.reasons:
            write(f"  {reason}")
        for test in target.tests:
            write(f"  {test.nodeid}: {'; '.join(test.reasons)}")
        if target.deselected:
            write(f"  (+ any test the call map does not know; {len(target.deselected)} left out)")
    for note in selection.notes:
        write(f"note: {note}")
    if selection.is_empty:
        write("no tests affected")


def command_affected(argv: Sequence[str]) -> int:
    from cockpit.watch.affected import AffectedSelector, read_last_failed

    options = _affected_parser().parse_args(argv)
    project = resolve_project(options)
    root = project.root
    paths = []
    for path in options.paths:
        absolute = (Path.cwd() / path).parent.resolve() / path.name
        if not absolute.exists() and absolute.suffix != ".py":
            raise CliError(f"{path}: no such file (a deleted Python file is fine)")
        paths.append(absolute)
    started = time.perf_counter()
    opener = None if options.coarse else call_map_opener(project)
    selector = AffectedSelector(root, call_map=opener)
    last_failed = () if options.no_last_failed else read_last_failed(root)
    selection = selector.select(paths, last_failed)
    elapsed = time.perf_counter() - started
    if options.json:
        payload = {"root": str(root), **selection.to_json(), "seconds": round(elapsed, 4)}
        print(json.dumps(payload, indent=2))
    else:
        print_selection(selection)
    return 0


def call_map_opener(project: Project) -> Callable[[], CallMapStore | None]:
    """Opens the session log for its call map once, when a selection first needs it;
    None without one (a project's default log not created yet: nothing is traced)."""
    opened: list[CallMapStore | None] = []

    def open_map() -> CallMapStore | None:
        if not opened:
            sqlite = project.database.sqlite_file
            opened.append(
                None if sqlite is not None and not sqlite.is_file() else project.open_log()
            )
        return opened[0]

    return open_map


# -- cockpit watch --------------------------------------------------------------------------
def split_scope(pytest_args: Sequence[str], project: Path) -> tuple[list[str], list[str]]:
    """The user's pytest options, and the paths among their arguments (the watch scope)."""
    from cockpit.engine.pytest_args import TAKES_VALUE

    options: list[str] = []
    scope: list[str] = []
    args = list(pytest_args)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in TAKES_VALUE and index + 1 < len(args):
            options += [arg, args[index + 1]]
            index += 2
            continue
        if not arg.startswith("-") and (project / arg.split("::", 1)[0]).exists():
            scope.append(arg)
        else:
            options.append(arg)
        index += 1
    return options, scope


def _from_cwd(root_relative: str, root: Path, cwd: Path) -> str:
    """A root-relative path as pytest, started in ``cwd``, should be given it."""
    absolute = root / root_relative
    return absolute.relative_to(cwd).as_posix() if cwd in absolute.parents else str(absolute)


def _inside(path: str, scope: Sequence[str]) -> bool:
    return any(path == s.rstrip("/") or path.startswith(s.rstrip("/") + "/") for s in scope)


def scoped_args(
    selection: Selection, scope: Sequence[str], cache: bool, root: Path, cwd: Path
) -> list[str]:
    """pytest's arguments for a selection inside the user's paths (empty: nothing to run).

    Targets are relative to the project root; pytest runs in ``cwd`` (``--project``), and
    ``scope`` holds the user's paths, relative to ``cwd``."""
    if selection.is_empty:
        return []
    if selection.everything:
        paths = list(scope)
    else:
        inside = [
            target
            for target in selection.targets
            if not scope or _inside(_from_cwd(target.path, root, cwd), scope)
        ]
        if not inside:
            return []
        # Node ids keep the rootdir-relative form pytest matches --deselect against.
        paths = [
            _from_cwd(arg, root, cwd) if target.whole else arg
            for target in inside
            for arg in target.args
        ]
        paths += [
            arg
            for target in inside
            for nodeid in target.deselected
            for arg in ("--deselect", nodeid)
        ]
    return (["--ff"] if cache else []) + paths


@dataclass
class WatchRuns:
    """Runs selections like ``cockpit run`` does: live view, summary, session log."""

    project: Project
    user_args: tuple[str, ...]
    scope: list[str]
    console: Console
    log: SessionLog | None
    options: argparse.Namespace
    launcher: Launcher | None = None
    """Warm starts (the default) or None: every run cold (``--cold``)."""
    current: RecordedRun | None = None
    count: int = 0

    @property
    def cache(self) -> bool:
        """Whether pytest's cache is on, so ``--ff`` exists and reads cockpit's cache."""
        args = self.user_args
        disabled = any(
            arg == "-pno:cacheprovider"
            or (arg == "-p" and index + 1 < len(args) and args[index + 1] == "no:cacheprovider")
            for index, arg in enumerate(args)
        )
        return self.project.cache_dir is not None and not disabled

    async def run(self, selection: Selection) -> None:
        from cockpit.session.recorded_run import RecordedRun

        project = self.project
        args = scoped_args(selection, self.scope, self.cache, project.root, project.folder)
        if not args and not selection.everything:
            self.console.print(f"nothing to run inside {' '.join(self.scope)}", style="dim")
            return
        run: RecordedRun | None = RecordedRun(
            project,
            (*self.user_args, *args),
            log=self.log,
            reason=f"watch: {selection.summary}",
            whole_suite=selection.everything and not self.scope,
            trace=False,  # a selection runs untraced: the call map is built by other runs
            capture_cap=self.options.capture_cap,
            keep_terminal=self.options.pytest_output,
            launcher=self.launcher,
        )
        while run is not None:
            result = await self._execute(run)
            self._report(result, selection, run.run_id)
            run = run.cold_rerun()  # a warm run crashed: is it the fork or the tests?
            if run is not None:
                self.console.print("the warm run crashed: rerunning it cold", style="yellow")

    async def _execute(self, run: RecordedRun) -> RunResult:
        self.current = run
        self.count += 1
        try:
            if self.options.json:
                return await run.execute()
            from cockpit.cli.headless import HeadlessReporter

            with HeadlessReporter(self.console, run.state, run.request.pytest_args) as view:
                return await run.execute(view.on_batch)
        finally:
            self.current = None

    async def cancel(self) -> None:
        if self.current is not None:
            await self.current.cancel()

    def _report(self, result: RunResult, selection: Selection, run_id: int | None) -> None:
        if self.options.json:
            from cockpit.engine.summary import result_to_json

            payload = result_to_json(result)
            payload["run_id"] = run_id
            payload["selection"] = selection.to_json()
            print(json.dumps(payload), flush=True)
            return
        from cockpit.cli.headless import print_summary

        if result.state.session is not None:
            print_summary(self.console, result)
        if result.error:
            self.console.print(f"cockpit: {result.error}", style="red", markup=False)
        recorded = f", recorded as run {run_id}" if run_id is not None else ""
        self.console.print(f"watching for changes{recorded}", style="dim")


WATCH_DESCRIPTION = (
    "Watch the project; on each save run the tests the change can affect, last failures "
    "first. Options are cockpit run's; PYTEST_ARGS go to every run, and paths among them "
    "limit what runs. Ctrl-C stops."
)


def command_watch(argv: Sequence[str]) -> int:
    import asyncio

    from rich.console import Console

    from cockpit.watch.affected import AffectedSelector

    if "-h" in argv or "--help" in argv:
        parser = run_parser("cockpit watch")
        parser.description = WATCH_DESCRIPTION
        parser.print_help()
        return 0
    options, pytest_args = split_run_args(argv, prog="cockpit watch")
    user_args, scope = split_scope(pytest_args, project_folder(options))
    project = resolve_project(options, python=options.python, runs_tests=True)
    started = time.perf_counter()
    log = None if options.no_record else project.open_log()
    use_map = log is not None and not options.coarse
    selector = AffectedSelector(project.root, call_map=(lambda: log) if use_map else None)
    built = time.perf_counter() - started
    console = Console(highlight=False, stderr=options.json)
    from cockpit.engine.launch import COLD_ASKED, ColdLauncher

    launcher: Launcher = ColdLauncher(COLD_ASKED)
    if not options.cold:
        launcher = project.warm_starts(lambda text: console.print(text, style="dim"))
    runs = WatchRuns(project, tuple(user_args), scope, console, log, options, launcher)
    console.print(
        f"cockpit watch: {len(selector.graph.nodes)} Python files in the import graph "
        f"({built * 1000:.0f} ms); watching {project.root} (Ctrl-C stops)",
        style="dim",
    )
    try:
        asyncio.run(_watch(selector, runs, project.root, console))
    finally:
        if log is not None:
            log.close()
    return 0


async def _watch(selector: AffectedSelector, runs: WatchRuns, root: Path, console: Console) -> None:
    import asyncio
    import signal

    from cockpit.warm.starts import WarmStarts
    from cockpit.watch.affected import read_last_failed
    from cockpit.watch.loop import WatchLoop
    from cockpit.watch.watcher import watch_changes

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)

    def show(selection: Selection, restarted: bool) -> None:
        prefix = "restarting for both: " if restarted else ""
        console.print(f"{prefix}{selection.summary}", style="bold" if restarted else None)

    watch = WatchLoop(selector, runs, lambda: read_last_failed(root), show)
    ready = asyncio.Event()
    changes = watch_changes(root, selector.config, ready=ready, stop=stop)
    task = asyncio.create_task(watch.run(changes))
    starts = runs.launcher if isinstance(runs.launcher, WarmStarts) else None
    if starts is not None:
        starts.prepare()  # in the background: the first save finds it ready
    try:
        await ready.wait()
        console.print("ready", style="dim")
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            await runs.cancel()
            await task
        stopped.cancel()
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        if starts is not None:
            await starts.close()
