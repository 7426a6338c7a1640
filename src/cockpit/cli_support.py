"""What every cockpit command shares: the one-line error, the parser, exit codes."""

from __future__ import annotations

import argparse
from pathlib import Path

from cockpit.errors import CockpitError


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


def project_of(options: argparse.Namespace) -> Path:
    project: Path = (options.project or Path.cwd()).resolve()
    if not project.is_dir():
        raise CliError(f"--project {options.project}: no such folder")
    return project
