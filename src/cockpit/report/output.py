"""Writing the summary: a file whole or not at all, or a device or pipe in place."""

from __future__ import annotations

import os
from pathlib import Path

from cockpit.errors import CockpitError
from cockpit.report import default_file_name


def default_output(project_root: Path, session_id: int, file_format: str = "md") -> Path:
    """Where ``cockpit export`` writes when no ``-o`` is given."""
    return project_root / default_file_name(session_id, file_format)


def write_output(path: Path, content: str) -> None:
    """Write ``content`` to ``path``: a file whole or not at all; a device or a pipe
    (``-o /dev/stdout``, ``/dev/null``, a FIFO) in place, never replaced by a file."""
    if path.is_dir():
        raise CockpitError(f"-o {path} is a folder; name a file")
    if path.exists() and not path.is_file():
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
        except OSError as error:
            raise CockpitError(f"cannot write {path}: {error.strerror or error}") from None
        return
    write_atomically(path, content)


def write_atomically(path: Path, content: str) -> None:
    """Write the whole file or nothing: a temporary file beside it, renamed over it.

    (Not ``tempfile``: importing it costs more than the rest of this command's own code.)
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise CockpitError(
            f"cannot write {path}: {error.strerror or error}; pass -o with a writable path"
        ) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
