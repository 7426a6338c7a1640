"""The ``cockpit`` command line: parses, dispatches, and turns errors into one clear line.

Exit codes: pytest's own (0 passed, 1 failed, 2 interrupted, 3 internal error, 4 usage
error, 5 no tests), plus 6 when the pytest process crashed mid-run, 7 when pytest could
not be started at all, and 8 when the session log's database cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit import __version__
from cockpit.cli_support import CliError, Parser, add_store_options, project_of
from cockpit.errors import EXIT_NOT_STARTED, EXIT_STORE, EXIT_USAGE, CockpitError

if TYPE_CHECKING:
    from cockpit.events import Event
    from cockpit.runner import PytestRun, RunRequest, RunResult

# Heavy modules (asyncio, the runner, SQLAlchemy, rich) are imported inside the commands
# that need them: `cockpit --version` and `cockpit diff --json` should not pay for them.
DEFAULT_CAPTURE_CAP = 64 * 1024


def _run_parser(prog: str = "cockpit run") -> Parser:
    parser = Parser(
        prog=prog,
        description="Run pytest with a live view. Options cockpit does not know go to pytest; "
        "so does everything after --.",
        allow_abbrev=False,
    )
    parser.add_argument("--python", metavar="PATH", help="interpreter (or virtualenv) to test with")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument(
        "--capture-cap",
        metavar="BYTES",
        type=int,
        default=DEFAULT_CAPTURE_CAP,
        help="keep at most this much of each captured output and traceback",
    )
    parser.add_argument(
        "--pytest-output",
        action="store_true",
        help="keep pytest's own terminal reporter (for plugins that need it)",
    )
    parser.add_argument(
        "--no-record", action="store_true", help="do not record this run in the session log"
    )
    add_store_options(parser)
    return parser


def _split_run_args(
    argv: Sequence[str], prog: str = "cockpit run"
) -> tuple[argparse.Namespace, list[str]]:
    argv = list(argv)
    tail: list[str] = []
    if "--" in argv:
        index = argv.index("--")
        argv, tail = argv[:index], argv[index + 1 :]
    options, pytest_args = _run_parser(prog).parse_known_args(argv)
    return options, pytest_args + tail


def _run_request(options: argparse.Namespace, pytest_args: list[str]) -> RunRequest:
    from cockpit.errors import StoreError
    from cockpit.runner import RunRequest
    from cockpit.store.paths import ensure_data_dir, find_project_root, pytest_cache_dir

    project = project_of(options)
    if options.capture_cap < 256:
        raise CliError("--capture-cap must be at least 256 bytes")
    try:
        root = find_project_root(project)
        ensure_data_dir(root)
        cache_dir: Path | None = pytest_cache_dir(root)
    except StoreError:
        cache_dir = None  # a read-only project still runs; pytest keeps its own cache
    return RunRequest(
        project=project,
        pytest_args=tuple(pytest_args),
        capture_cap=options.capture_cap,
        keep_terminal=options.pytest_output,
        cache_dir=cache_dir,
    )


async def _execute(run: PytestRun, on_batch: Callable[[list[Event]], None] | None) -> RunResult:
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
        result = await run.run(on_batch)
        for task in cancel_tasks:
            await task
        return result
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def command_run(argv: Sequence[str], *, python: str | None = None) -> int:
    import asyncio

    from cockpit.command import selection_of
    from cockpit.interpreter import InterpreterError, resolve_interpreter
    from cockpit.runner import PytestRun

    options, pytest_args = _split_run_args(argv)
    request = _run_request(options, pytest_args)
    try:
        interpreter = resolve_interpreter(request.project, options.python or python)
    except InterpreterError as error:
        raise CliError(str(error), EXIT_NOT_STARTED) from None
    run = PytestRun(request, interpreter)
    recorder = None
    if not options.no_record:
        from cockpit.store.paths import find_project_root
        from cockpit.store.recorder import RunRecorder
        from cockpit.store.session_log import SessionLog

        whole_suite, reason = selection_of(pytest_args)
        log = SessionLog.open(request.project, options.db)
        recorder = RunRecorder(
            log,
            run.state,
            pytest_args,
            whole_suite=whole_suite,
            selection_reason=reason,
            interpreter=str(interpreter.path),
            project=find_project_root(request.project),
        )

    def on_batch_recorded(
        show: Callable[[list[Event]], None] | None,
    ) -> Callable[[list[Event]], None] | None:
        if recorder is None:
            return show
        if show is None:
            return recorder.on_batch

        def both(batch: list[Event]) -> None:
            recorder.on_batch(batch)
            show(batch)

        return both

    if options.json:
        result = asyncio.run(_execute(run, on_batch_recorded(None)))
    else:
        from rich.console import Console

        from cockpit.headless import HeadlessReporter

        console = Console(highlight=False)
        with HeadlessReporter(console, run.state, request.pytest_args) as reporter:
            result = asyncio.run(_execute(run, on_batch_recorded(reporter.on_batch)))
    if recorder is not None:
        recorder.finish(result)
    if options.json:
        from cockpit.run_summary import run_to_json

        payload = run_to_json(result.state, result.exit_code, result.outcome, result.error)
        payload["run_id"] = recorder.run_id if recorder else None
        print(json.dumps(payload, indent=2))
    else:
        from cockpit.headless import print_summary

        if result.state.session is not None and result.exit_code != EXIT_USAGE:
            print_summary(console, result)
            if recorder is not None:
                console.print(
                    f"recorded as run {recorder.run_id} in the session log "
                    "(cockpit runs, cockpit diff, cockpit fix add)",
                    style="dim",
                )
        if options.pytest_output and result.stdout_tail.strip():
            console.print(result.stdout_tail, markup=False, highlight=False)
    if result.error:
        print(f"cockpit: {result.error}", file=sys.stderr)
    return result.exit_code


def command_demo(argv: Sequence[str]) -> int:
    from cockpit.demo import copy_demo_project

    options, pytest_args = _split_run_args(argv, prog="cockpit demo")
    target = copy_demo_project()
    print(f"cockpit demo: an example backend copied to {target}", file=sys.stderr)
    if not options.json and sys.stdin.isatty() and sys.stdout.isatty():
        from cockpit.app.launch import command_app as app

        # The app on the example, running it at once; without a terminal, the headless run.
        return app(
            ["--project", str(target), "--", *pytest_args],
            python=options.python or sys.executable,
            run=True,
        )
    forwarded = ["--project", str(target)]
    if options.json:
        forwarded.append("--json")
    return command_run([*forwarded, *pytest_args], python=options.python or sys.executable)


def _log_command(name: str) -> Callable[[Sequence[str]], int]:
    def command(argv: Sequence[str]) -> int:
        from cockpit import cli_log

        return cli_log.COMMANDS[name](argv)

    return command


def command_isolate(argv: Sequence[str]) -> int:
    from cockpit.cli_isolate import command_isolate as isolate

    return isolate(argv)


def command_app(argv: Sequence[str]) -> int:
    from cockpit.app.launch import command_app as app

    return app(argv)


def command_diff(argv: Sequence[str]) -> int:
    from cockpit.cli_diff import command_diff as diff

    return diff(argv)


def command_export(argv: Sequence[str]) -> int:
    from cockpit.cli_export import command_export as export

    return export(argv)


def _watch_command(name: str) -> Callable[[Sequence[str]], int]:
    def command(argv: Sequence[str]) -> int:
        from cockpit import cli_watch

        if name == "affected":
            return cli_watch.command_affected(argv)
        return cli_watch.command_watch(argv)

    return command


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "app": command_app,
    "run": command_run,
    "demo": command_demo,
    **{
        name: _log_command(name)
        for name in ("session", "fix", "known", "note", "runs", "history", "clusters")
    },
    "diff": command_diff,
    "affected": _watch_command("affected"),
    "watch": _watch_command("watch"),
    "export": command_export,
    "isolate": command_isolate,
}

USAGE = """\
commands:
  (none) or app [OPTIONS] [-- PYTEST_ARGS]  open the app (--run, --theme NAME, --python)
  run [OPTIONS] [PYTEST_ARGS]...   run pytest with a live view, recorded in the session log
  demo                              the app on a small broken example project
  session start TITLE | end | list  fix sessions
  fix add TITLE [...] | list        fixes, with the run that proves each
  known add TITLE --tests ... | list  known issues, with verified -k/-m workarounds
  note TEXT                         a note in the current session
  runs                              recorded runs
  history NODEID                    one test across runs
  diff [RUN_A] [RUN_B]              fixed / broken / new / removed / changed-error tests
  clusters [--run N]                failures grouped by root cause, with hints
  affected PATH... | watch [ARGS]   tests a change affects; rerun them on every save
  export [--session ID] [-o FILE]   the session summary in Markdown (--format json, --show)
  isolate [NODEID...] [--failed]    rerun failing tests alone: real, order-dependent or flaky
Each command has --help.
"""


_MAIN_FLAGS = ("-h", "--help", "--version")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        opens_app = not args and sys.stdin.isatty() and sys.stdout.isatty()
        if opens_app or (args and args[0].startswith("-") and args[0] not in _MAIN_FLAGS):
            return command_app(args)
        if not args or args[0] not in COMMANDS:
            parser = argparse.ArgumentParser(
                prog="cockpit",
                description="A terminal test-session cockpit for pytest.",
                epilog=USAGE,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
            parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
            if not args:
                parser.print_help()
                return 0
            if args[0].startswith("-"):
                parser.parse_args(args)
                return 0
            raise CliError(f"unknown command {args[0]!r}; the commands are: " + ", ".join(COMMANDS))
        return COMMANDS[args[0]](args[1:])
    except CockpitError as error:
        print(f"cockpit: {error}", file=sys.stderr)
        return error.exit_code
    except Exception as error:
        if not type(error).__module__.startswith(("sqlalchemy", "alembic")):
            raise
        # A database failure past opening (a schema changed under us, a dropped server):
        # still one line, never a traceback, and nothing half-written (each write is one
        # transaction).
        detail = " ".join(str(getattr(error, "orig", None) or error).split())[:300]
        print(f"cockpit: the session log's database failed: {detail}", file=sys.stderr)
        return EXIT_STORE
    except KeyboardInterrupt:
        return 2


if __name__ == "__main__":
    sys.exit(main())
