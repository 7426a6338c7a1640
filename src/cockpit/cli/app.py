"""``cockpit`` (or ``cockpit app``): open the app on a project.

Everything that can be wrong with the command line, the interpreter or the theme is
checked here, before the terminal is taken over, so it ends as one line and an exit code.
The session log is opened by the app itself, in a thread, so the first screen paints
while the database is opened and upgraded.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from cockpit.cli.parsing import (
    CliError,
    Parser,
    add_app_options,
    add_store_options,
    resolve_project,
    split_at_dashes,
)


def _parser() -> Parser:
    parser = Parser(
        prog="cockpit",
        description="Open the cockpit app on a project (pytest arguments after -- go to "
        "every run).",
        allow_abbrev=False,
    )
    add_app_options(parser)
    parser.add_argument("--run", action="store_true", help="run the whole suite at once")
    parser.add_argument(
        "--no-record", action="store_true", help="do not record runs in the session log"
    )
    parser.add_argument(
        "--cold", action="store_true", help="start every run in a fresh interpreter (no fork)"
    )
    add_store_options(parser)
    return parser


def check_theme(name: str | None) -> None:
    """Raise a one-line error unless the shipped themes load and ``name`` is one of them."""
    from cockpit.app.themes import ThemeError, available

    try:
        names = [files.name for files in available()]
    except ThemeError as error:
        raise CliError(str(error)) from None
    if name is not None and name not in names:
        raise CliError(f"no theme {name!r}; the themes are: {', '.join(names)}")


def command_app(argv: Sequence[str], *, python: str | None = None, run: bool = False) -> int:
    argv, extra = split_at_dashes(argv)
    options = _parser().parse_args(argv)
    project = resolve_project(options, python=options.python or python, runs_tests=True)

    check_theme(options.theme)
    in_browser = os.environ.get("TEXTUAL_DRIVER", "").endswith(":WebDriver")  # cockpit serve
    if not in_browser and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CliError("the cockpit app needs a terminal; without one use cockpit run (headless)")

    from cockpit.app.app import CockpitApp
    from cockpit.app.views.workspace import Workspace

    app = CockpitApp(
        Workspace(project, extra_args=tuple(extra), warm=not options.cold),
        theme=options.theme,
        run_on_start=options.run or run,
        open_log=not options.no_record,
    )
    code = app.run()
    return code if isinstance(code, int) else 0
