"""What git says about the project: the commit, and the files changed since a moment.

Every call is a short ``git`` subprocess; outside a git checkout (or without git) the
answers are None / empty rather than errors, since git is optional for cockpit.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def _git(project: Path, *args: str) -> str | None:
    try:
        completed = subprocess.run(
            ["git", *args],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout if completed.returncode == 0 else None


def head_commit(project: Path) -> str | None:
    out = _git(project, "rev-parse", "HEAD")
    return out.strip() if out else None


def changed_files_since(project: Path, since: float | None) -> list[str]:
    """Files changed in the work tree, untracked ones, and in commits made after ``since``."""
    files: set[str] = set()
    for args in (
        ("diff", "--name-only", "HEAD"),
        ("ls-files", "--others", "--exclude-standard"),
    ):
        out = _git(project, *args)
        if out:
            files.update(line.strip() for line in out.splitlines() if line.strip())
    if since is not None:
        out = _git(project, "log", f"--since=@{int(since)}", "--name-only", "--pretty=format:")
        if out:
            files.update(line.strip() for line in out.splitlines() if line.strip())
    return sorted(files)
