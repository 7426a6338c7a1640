"""What every cockpit command shares: the one-line error, the parsers, the project.

Kept light (argparse and the error types): ``cockpit --version`` and ``cockpit diff``
import this and little else.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.errors import EXIT_NOT_STARTED, CockpitError

if TYPE_CHECKING:
    from cockpit.session.project import Project

DEFAULT_CAPTURE_CAP = 64 * 1024


class CliError(CockpitError):
    """A problem with what the user asked for on the command line (exit 4 by default)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are CliErrors (exit 4, one line)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliError(f"{message} (see {self.prog} --help)")


def add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help="session log database (default: $COCKPIT_DB_URL, else <project>/.cockpit/cockpit.db)",
    )
    parser.add_argument(
        "--project", metavar="DIR", type=Path, default=None, help="project folder (default: .)"
    )


def add_app_options(parser: argparse.ArgumentParser) -> None:
    """What the app takes, from ``cockpit`` itself and from ``cockpit serve`` for each tab."""
    parser.add_argument("--python", metavar="PATH", help="interpreter (or virtualenv) to test with")
    parser.add_argument("--theme", metavar="NAME", help="colour theme (t cycles them in the app)")


def add_session_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--session", type=int, metavar="ID", help="session id (session list)")


def command_parser(prog: str, description: str, *, store_options: bool = True) -> Parser:
    parser = Parser(prog=prog, description=description, allow_abbrev=False)
    if store_options:
        add_store_options(parser)
    return parser


def sub_actions(parser: Parser) -> Callable[[str, str], argparse.ArgumentParser]:
    """Sub-actions (``add``, ``list``...), each taking --db and --project itself."""
    actions = parser.add_subparsers(dest="action", required=True, parser_class=Parser)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, allow_abbrev=False)
        add_store_options(sub)
        return sub

    return action


def project_folder(options: argparse.Namespace) -> Path:
    folder: Path = (options.project or Path.cwd()).resolve()
    if not folder.is_dir():
        raise CliError(f"--project {options.project}: no such folder")
    return folder


def resolve_project(
    options: argparse.Namespace, *, python: str | None = None, runs_tests: bool = False
) -> Project:
    """The project the command works on, resolved once (see :class:`Project`)."""
    from cockpit.session.project import Project

    folder, db = project_folder(options), getattr(options, "db", None)
    if not runs_tests:  # no interpreter to find: keep its module (and dataclasses) unloaded
        return Project.resolve(folder, db=db)
    from cockpit.engine.interpreter import InterpreterError

    try:
        return Project.resolve(folder, db=db, python=python, runs_tests=True)
    except InterpreterError as error:
        raise CliError(str(error), EXIT_NOT_STARTED) from None


# -- cockpit run's options (shared by watch and demo) -----------------------------------------
def run_parser(prog: str = "cockpit run") -> Parser:
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
    parser.add_argument(
        "--no-trace",
        action="store_true",
        help="do not record what each test executes (the call map precise selection uses)",
    )
    if prog == "cockpit watch":
        parser.add_argument(
            "--coarse",
            action="store_true",
            help="select by the import graph alone, not the call map",
        )
    starts = parser.add_mutually_exclusive_group()
    starts.add_argument(
        "--warm",
        action="store_true",
        help="fork runs from a warm server (the default of watch; run starts cold)",
    )
    starts.add_argument(
        "--cold", action="store_true", help="start every run in a fresh interpreter"
    )
    add_store_options(parser)
    return parser


def split_at_dashes(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """The arguments before ``--`` (cockpit's), and those after it (pytest's)."""
    argv = list(argv)
    if "--" not in argv:
        return argv, []
    index = argv.index("--")
    return argv[:index], argv[index + 1 :]


def split_run_args(
    argv: Sequence[str], prog: str = "cockpit run"
) -> tuple[argparse.Namespace, list[str]]:
    """cockpit's options, and everything else (pytest's arguments, and all after ``--``)."""
    argv, tail = split_at_dashes(argv)
    options, pytest_args = run_parser(prog).parse_known_args(argv)
    if options.capture_cap < 256:
        raise CliError("--capture-cap must be at least 256 bytes")
    return options, pytest_args + tail
