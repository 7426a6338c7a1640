"""The ``cockpit`` command line: parses, dispatches, and turns errors into one clear line.

Exit codes: pytest's own (0 passed, 1 failed, 2 interrupted, 3 internal error, 4 usage
error, 5 no tests), plus 6 when the pytest process crashed mid-run, 7 when pytest could
not be started at all, and 8 when the session log's database cannot be used.

Each command's module is imported only when it runs: ``cockpit --version`` and
``cockpit diff --json`` should not pay for asyncio, SQLAlchemy or rich.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from cockpit import __version__
from cockpit.cli.parsing import CliError
from cockpit.errors import EXIT_STORE, CockpitError

Command = Callable[[Sequence[str]], int]

COMMAND_MODULES: dict[str, tuple[str, str]] = {
    "app": ("cockpit.cli.app", "command_app"),
    "run": ("cockpit.cli.run", "command_run"),
    "demo": ("cockpit.cli.run", "command_demo"),
    "session": ("cockpit.cli.sessions", "command_session"),
    "fix": ("cockpit.cli.fixes", "command_fix"),
    "known": ("cockpit.cli.fixes", "command_known"),
    "note": ("cockpit.cli.sessions", "command_note"),
    "runs": ("cockpit.cli.runs", "command_runs"),
    "history": ("cockpit.cli.runs", "command_history"),
    "clusters": ("cockpit.cli.runs", "command_clusters"),
    "diff": ("cockpit.cli.diff", "command_diff"),
    "status": ("cockpit.cli.status", "command_status"),
    "affected": ("cockpit.cli.watch", "command_affected"),
    "watch": ("cockpit.cli.watch", "command_watch"),
    "export": ("cockpit.cli.export", "command_export"),
    "isolate": ("cockpit.cli.isolate", "command_isolate"),
    "import": ("cockpit.cli.imports", "command_import"),
    "serve": ("cockpit.cli.serve", "command_serve"),
}
"""Each command: the module that holds it (imported when it runs) and its function."""


def command(name: str) -> Command:
    module, function = COMMAND_MODULES[name]
    found: Command = getattr(importlib.import_module(module), function)
    return found


USAGE = """\
commands:
  (none) or app [OPTIONS] [-- PYTEST_ARGS]  open the app (--run, --theme NAME, --python)
  run [OPTIONS] [PYTEST_ARGS]...   run pytest with a live view, recorded in the session log
  demo                              the app on a small broken example project
  session start TITLE | end | list  fix sessions
  fix add TITLE [...] | list        fixes, with the run that proves each
  known add TITLE --tests ... | list  known issues, with verified -k/-m workarounds
  note TEXT                         a note in the current session
  status                            every module as last seen in the session (--json)
  runs                              recorded runs
  history NODEID                    one test across runs
  diff [RUN_A] [RUN_B]              fixed / broken / new / removed / changed-error tests
  clusters [--run N]                failures grouped by root cause, with hints
  affected PATH... | watch [ARGS]   tests a change affects; rerun them on every save
  export [--session ID] [-o FILE]   the session summary in Markdown (--format json, --show)
  isolate [NODEID...] [--failed]    rerun failing tests alone: real, order-dependent or flaky
  import FILE... [--shard PART]     a CI run's JUnit XML / report-log files as a recorded run
  serve [--host H] [--port P]       the app in a browser, one app per tab (-- PYTEST_ARGS)
Each command has --help.
"""


_MAIN_FLAGS = ("-h", "--help", "--version")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        opens_app = not args and sys.stdin.isatty() and sys.stdout.isatty()
        if opens_app or (args and args[0].startswith("-") and args[0] not in _MAIN_FLAGS):
            return command("app")(args)
        if not args or args[0] not in COMMAND_MODULES:
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
            names = ", ".join(COMMAND_MODULES)
            raise CliError(f"unknown command {args[0]!r}; the commands are: {names}")
        return command(args[0])(args[1:])
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
    except BrokenPipeError:  # ``cockpit runs --json | head``: the reader had enough
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error
        return 1


def console_main() -> None:
    """The ``cockpit`` command: :func:`main`, then out at once. The interpreter's own
    teardown (collecting SQLAlchemy's, asyncio's and rich's objects one by one) would come
    after the answer is printed and every record written, adding tens of milliseconds to
    each command's wall time for nothing: everything that must outlive it is closed."""
    import os

    code = main()
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    except BrokenPipeError:  # `cockpit runs --json | head`: the reader is gone, as usual
        code = code or 1
    except ValueError:  # a stream closed by the command itself
        pass
    os._exit(code)


if __name__ == "__main__":
    console_main()
