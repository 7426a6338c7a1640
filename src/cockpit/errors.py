"""The errors cockpit reports to users: one line each, with the exit code they mean.

Kept free of imports so that the command line can catch them without loading the
database layer or the terminal UI.
"""

from __future__ import annotations

EXIT_INTERRUPTED = 2
"""pytest's own: the run was interrupted (Ctrl-C, a cancel)."""
EXIT_USAGE = 4
EXIT_NOT_STARTED = 7
"""pytest could not be started at all (no such interpreter, no pytest in it)."""
EXIT_STORE = 8
"""The session log's database cannot be used (unreachable, not cockpit's, read-only)."""


class CockpitError(Exception):
    """A problem the user can act on; printed as one line, never a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class StoreError(CockpitError):
    """The session log cannot be used; the message says why and what to do, in one line."""

    exit_code = EXIT_STORE


class NotFound(StoreError):
    """The user named a run, session or test the log does not have (a usage mistake)."""

    exit_code = EXIT_USAGE
