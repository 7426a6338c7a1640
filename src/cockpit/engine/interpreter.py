"""Which Python runs the user's tests: the project's own, not cockpit's.

Order: ``--python``, then the project's ``.venv`` / ``venv``, then ``$VIRTUAL_ENV``, then
the interpreter cockpit itself runs on. The chosen environment does not need cockpit
installed: the child plugin is put on ``PYTHONPATH`` instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple


class InterpreterError(Exception):
    """The requested interpreter does not exist or cannot be run."""


class Interpreter(NamedTuple):
    """The chosen Python and why (a NamedTuple: ``cockpit run`` resolves it before it
    starts pytest, and ``dataclasses`` would cost that start a few milliseconds)."""

    path: Path
    reason: str


def _venv_python(venv: Path) -> Path | None:
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.is_file():
            return candidate
    return None


def resolve_interpreter(
    project: Path, explicit: str | None = None, environ: Mapping[str, str] | None = None
) -> Interpreter:
    environ = os.environ if environ is None else environ
    if explicit:
        path = Path(explicit).expanduser()
        if path.is_dir():
            venv_python = _venv_python(path)
            if venv_python is None:
                raise InterpreterError(
                    f"--python {explicit}: a folder with no bin/python in it; "
                    "pass the interpreter itself or a virtualenv folder"
                )
            path = venv_python
        if not path.is_file() or not os.access(path, os.X_OK):
            raise InterpreterError(
                f"--python {explicit}: no such executable; pass the path of a Python interpreter"
            )
        return Interpreter(path, "--python")
    for name in (".venv", "venv"):
        venv_python = _venv_python(project / name)
        if venv_python is not None:
            return Interpreter(venv_python, f"the project's {name}")
    virtual_env = environ.get("VIRTUAL_ENV")
    if virtual_env:
        venv_python = _venv_python(Path(virtual_env))
        if venv_python is not None:
            return Interpreter(venv_python, "$VIRTUAL_ENV")
    return Interpreter(Path(sys.executable), "cockpit's own interpreter")
