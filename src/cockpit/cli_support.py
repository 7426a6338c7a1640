"""What every cockpit command shares: the one-line error, the parser, exit codes."""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_USAGE = 4
EXIT_STORE = 8
"""The session log's database cannot be used (unreachable, not cockpit's, read-only)."""


class CliError(Exception):
    """A problem with what the user asked for; printed as one line, never a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


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


def project_of(options: argparse.Namespace) -> Path:
    project: Path = (options.project or Path.cwd()).resolve()
    if not project.is_dir():
        raise CliError(f"--project {options.project}: no such folder")
    return project
