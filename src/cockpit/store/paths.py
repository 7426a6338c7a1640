"""Where a project's cockpit data lives. Free of database imports, for fast commands."""

from __future__ import annotations

from pathlib import Path

DATA_DIR_NAME = ".cockpit"
DATABASE_NAME = "cockpit.db"
PROJECT_MARKERS = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg", ".git")


def find_project_root(start: Path) -> Path:
    """The folder whose ``.cockpit/`` holds the data: the nearest one that has it, else
    the nearest with pytest configuration or a git checkout, else ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / DATA_DIR_NAME).is_dir():
            return folder
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return start


def default_database(project: Path) -> Path:
    return find_project_root(project) / DATA_DIR_NAME / DATABASE_NAME
