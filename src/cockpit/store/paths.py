"""Where a project's cockpit data lives. Free of database imports, for fast commands."""

from __future__ import annotations

from pathlib import Path

from cockpit.errors import StoreError

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


def pytest_cache_dir(root: Path) -> Path:
    """Where cockpit's runs keep pytest's cache (``--lf`` data), apart from the user's."""
    return root / DATA_DIR_NAME / "pytest-cache"


def ensure_data_dir(root: Path) -> Path:
    """Create ``<root>/.cockpit`` ignored by git, as pytest does for its cache."""
    data_dir = root / DATA_DIR_NAME
    try:
        data_dir.mkdir(exist_ok=True)
        ignore = data_dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by cockpit\n*\n", encoding="utf-8")
    except OSError as error:
        raise StoreError(
            f"cannot create {data_dir}: {error.strerror or error}; "
            f"make the folder writable or pass --db with a database elsewhere"
        ) from None
    return data_dir
