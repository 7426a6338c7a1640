"""The project a command works on, resolved once at the front and passed down.

Every front (a CLI command, the app) turns what the user typed (``--project``, ``--db``,
``--python``) into one :class:`Project`: the folder pytest runs in, the project root that
holds ``.cockpit/``, the session log's location, cockpit's pytest cache and the
interpreter. Nothing below the front looks for the project root again.

A NamedTuple, and the interpreter's module imported only when tests will run: the
quickest commands (``cockpit diff``, ``cockpit export``) resolve a project too, and
``dataclasses`` alone would cost them a fifth of their start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from cockpit.errors import StoreError
from cockpit.settings import (
    DatabaseLocation,
    database_location,
    ensure_data_dir,
    find_project_root,
    pytest_cache_dir,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from cockpit.engine.interpreter import Interpreter
    from cockpit.store.session_log import SessionLog
    from cockpit.warm.starts import WarmStarts


class Project(NamedTuple):
    folder: Path
    """Where pytest runs (``--project``, else the current folder)."""
    root: Path
    """The folder holding ``.cockpit/``: the nearest with one, pytest config or git."""
    database: DatabaseLocation
    interpreter: Interpreter | None = None
    """The Python that runs the tests; None for commands that run nothing."""
    cache_dir: Path | None = None
    """cockpit's pytest cache (``--lf`` data), or None when ``.cockpit/`` is not writable."""

    @classmethod
    def resolve(
        cls,
        folder: Path,
        *,
        db: str | None = None,
        python: str | None = None,
        runs_tests: bool = False,
    ) -> Project:
        """The project at ``folder``. ``runs_tests`` resolves the interpreter (raising
        :class:`~cockpit.engine.interpreter.InterpreterError`) and makes ``.cockpit/``
        for the pytest cache (a read-only project still runs, without it)."""
        folder = folder.resolve()
        root = find_project_root(folder)
        interpreter: Interpreter | None = None
        cache_dir: Path | None = None
        if runs_tests:
            from cockpit.engine.interpreter import resolve_interpreter

            interpreter = resolve_interpreter(folder, python)
            try:
                ensure_data_dir(root)
                cache_dir = pytest_cache_dir(root)
            except StoreError:
                cache_dir = None
        return cls(folder, root, database_location(root, db), interpreter, cache_dir)

    def open_log(self) -> SessionLog:
        """The session log, opened (and upgraded) now: SQLAlchemy's import included."""
        from cockpit.store.session_log import SessionLog

        return SessionLog.open(self.database)

    def warm_starts(self, on_notice: Callable[[str], None] | None = None) -> WarmStarts:
        """Warm starts for this project's interpreter (the server starts on ``prepare``)."""
        from cockpit.warm.starts import WarmStarts

        interpreter = self.require_interpreter().path
        return WarmStarts(interpreter, self.folder, self.root, on_notice=on_notice)

    def require_interpreter(self) -> Interpreter:
        assert self.interpreter is not None, "Project.resolve(..., runs_tests=True) first"
        return self.interpreter
