"""The ``cockpit`` command line: parses, dispatches, and turns errors into one clear line.

Exit codes: pytest's own (0 passed, 1 failed, 2 interrupted, 3 internal error, 4 usage
error, 5 no tests), plus 6 when the pytest process crashed mid-run and 7 when pytest
could not be started at all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from cockpit import __version__
from cockpit.interpreter import InterpreterError, resolve_interpreter
from cockpit.runner import (
    DEFAULT_CAPTURE_CAP,
    EXIT_NOT_STARTED,
    PytestRun,
    RunRequest,
    RunResult,
    default_cache_dir,
    ensure_data_dir,
)

EXIT_USAGE = 4


class CliError(Exception):
    """A problem with what the user asked for; printed as one line, never a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliError(f"{self.prog}: {message} (see {self.prog} --help)")


def _run_parser() -> _Parser:
    parser = _Parser(
        prog="cockpit run",
        description="Run pytest with a live view. Options cockpit does not know go to pytest; "
        "so does everything after --.",
        allow_abbrev=False,
    )
    add_run_options(parser)
    return parser


def add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--python", metavar="PATH", help="interpreter (or virtualenv) to test with")
    parser.add_argument(
        "--project", metavar="DIR", type=Path, default=None, help="project folder (default: .)"
    )
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


def _split_run_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    argv = list(argv)
    tail: list[str] = []
    if "--" in argv:
        index = argv.index("--")
        argv, tail = argv[:index], argv[index + 1 :]
    options, pytest_args = _run_parser().parse_known_args(argv)
    return options, pytest_args + tail


def _run_request(options: argparse.Namespace, pytest_args: list[str]) -> RunRequest:
    project = (options.project or Path.cwd()).resolve()
    if not project.is_dir():
        raise CliError(f"--project {options.project}: no such folder")
    if options.capture_cap < 256:
        raise CliError("--capture-cap must be at least 256 bytes")
    try:
        ensure_data_dir(project)
        cache_dir: Path | None = default_cache_dir(project)
    except OSError:
        cache_dir = None  # a read-only project still runs; pytest keeps its own cache
    return RunRequest(
        project=project,
        pytest_args=tuple(pytest_args),
        capture_cap=options.capture_cap,
        keep_terminal=options.pytest_output,
        cache_dir=cache_dir,
    )


async def _execute(run: PytestRun, on_batch: object) -> RunResult:
    loop = asyncio.get_running_loop()
    cancel_tasks: list[asyncio.Task[None]] = []

    def request_cancel() -> None:
        cancel_tasks.append(loop.create_task(run.cancel()))

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, request_cancel)
    try:
        result = await run.run(on_batch)  # type: ignore[arg-type]
        for task in cancel_tasks:
            await task
        return result
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)


def command_run(argv: Sequence[str], *, python: str | None = None) -> int:
    options, pytest_args = _split_run_args(argv)
    request = _run_request(options, pytest_args)
    try:
        interpreter = resolve_interpreter(request.project, options.python or python)
    except InterpreterError as error:
        raise CliError(str(error), EXIT_NOT_STARTED) from None
    run = PytestRun(request, interpreter)
    if options.json:
        result = asyncio.run(_execute(run, None))
        _report_error(result)
        from cockpit.run_summary import run_to_json

        payload = run_to_json(result.state, result.exit_code, result.outcome, result.error)
        print(json.dumps(payload, indent=2))
        return result.exit_code
    from cockpit.headless import HeadlessReporter, print_summary

    console = Console(highlight=False)
    with HeadlessReporter(console, run.state, request.pytest_args) as reporter:
        result = asyncio.run(_execute(run, reporter.on_batch))
    if result.state.session is not None and result.exit_code != EXIT_USAGE:
        print_summary(console, result)
    _report_error(result)
    if options.pytest_output and result.stdout_tail.strip():
        console.print(result.stdout_tail, markup=False, highlight=False)
    return result.exit_code


def _report_error(result: RunResult) -> None:
    if result.error:
        print(f"cockpit: {result.error}", file=sys.stderr)


def command_demo(argv: Sequence[str]) -> int:
    from cockpit.demo import copy_demo_project

    options, pytest_args = _split_run_args(argv)
    target = copy_demo_project()
    print(f"cockpit demo: an example backend copied to {target}", file=sys.stderr)
    forwarded = ["--project", str(target)]
    if options.json:
        forwarded.append("--json")
    return command_run([*forwarded, *pytest_args], python=options.python or sys.executable)


def _main_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cockpit",
        description="A terminal test-session cockpit for pytest.",
        epilog="commands:\n"
        "  run [OPTIONS] [PYTEST_ARGS]...  run pytest with a live view (cockpit run --help)\n"
        "  demo                             run cockpit on a small broken example project\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    return parser


COMMANDS = {"run": command_run, "demo": command_demo}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if not args or args[0] not in COMMANDS:
            parser = _main_parser()
            if not args:
                parser.print_help()
                return 0
            if args[0].startswith("-"):
                parser.parse_args(args)
                return 0
            raise CliError(
                f"cockpit: unknown command {args[0]!r}; the commands are: " + ", ".join(COMMANDS)
            )
        return COMMANDS[args[0]](args[1:])
    except CliError as error:
        print(
            f"cockpit: {error}" if not str(error).startswith("cockpit") else error, file=sys.stderr
        )
        return error.exit_code
    except KeyboardInterrupt:
        return 2


if __name__ == "__main__":
    sys.exit(main())
