"""A cheap fingerprint of a project's source files, taken when a run starts.

Two runs with the same fingerprint ran the same code: a test whose outcome differs between
them is flaky. Reading every file would cost a large project hundreds of milliseconds, so
the fingerprint hashes each file's relative path, size and modification time
(``stat`` only, never the contents): an edit, a ``git checkout`` or a touch changes it.
Only what decides a test's outcome counts: Python files and pytest's configuration files;
virtualenvs, caches, VCS and build folders are never entered.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

CONFIG_FILES = frozenset({"pyproject.toml", "pytest.ini", "setup.cfg", "tox.ini", "conftest.py"})
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".cockpit",
        ".tox",
        ".nox",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
        ".grimp_cache",
        "node_modules",
        "build",
        "dist",
        "site-packages",
    }
)


def _counts(name: str) -> bool:
    return name.endswith(".py") or name in CONFIG_FILES


def source_files(root: Path) -> list[tuple[str, int, int]]:
    """(relative path, size, mtime in ns) of every file that counts, sorted by path."""
    found: list[tuple[str, int, int]] = []
    pending = [(str(root), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # unreadable or vanished mid-walk: it cannot be fingerprinted anyway
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if name not in SKIPPED_DIRS and not name.endswith(".egg-info"):
                        pending.append((entry.path, f"{prefix}{name}/"))
                elif _counts(name):
                    stat = entry.stat()
                    found.append((prefix + name, stat.st_size, stat.st_mtime_ns))
            except OSError:
                continue
    found.sort()
    return found


def fingerprint(files: Iterable[tuple[str, int, int]]) -> str:
    """sha256 over the sorted (path, size, mtime_ns) of the project's source files."""
    digest = hashlib.sha256()
    for path, size, mtime_ns in files:
        digest.update(f"{path}\0{size}\0{mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def source_digest(root: Path) -> str:
    """The fingerprint of the project's source files as they are now."""
    return fingerprint(source_files(root))
