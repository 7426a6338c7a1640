"""Where cockpit keeps things, and the choices it remembers: one module for every location.

* the **project root**: the folder whose ``.cockpit/`` holds a project's data;
* the **data folder** ``<root>/.cockpit/``: the session log, cockpit's pytest cache, the
  watch scans (created with a ``.gitignore`` of ``*``, as pytest does for its cache);
* the **database**: ``--db``, else ``$COCKPIT_DB_URL``, else SQLite in the data folder;
* the **config folder** (``$COCKPIT_CONFIG_DIR``, else the platform's): ``settings.toml``
  with the user's remembered choices (the theme).

Free of database and terminal imports, and of ``dataclasses`` (its import alone costs the
quickest commands a fifth of their start-up): every command reads its locations from here,
at the price of a few ``stat`` calls.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from cockpit.errors import StoreError

DATA_DIR_NAME = ".cockpit"
DATABASE_NAME = "cockpit.db"
PYTEST_CACHE_NAME = "pytest-cache"
PROJECT_MARKERS = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg", ".git")
DB_URL_ENV = "COCKPIT_DB_URL"
CONFIG_DIR_ENV = "COCKPIT_CONFIG_DIR"
CONFIG_FILE = "settings.toml"


# -- the project and its data folder -------------------------------------------------------
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


def data_dir(root: Path) -> Path:
    return root / DATA_DIR_NAME


def default_database(root: Path) -> Path:
    return data_dir(root) / DATABASE_NAME


def pytest_cache_dir(root: Path) -> Path:
    """Where cockpit's runs keep pytest's cache (``--lf`` data), apart from the user's."""
    return data_dir(root) / PYTEST_CACHE_NAME


def ensure_data_dir(root: Path) -> Path:
    """Create ``<root>/.cockpit`` ignored by git, as pytest does for its cache."""
    folder = data_dir(root)
    try:
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by cockpit\n*\n", encoding="utf-8")
    except OSError as error:
        raise StoreError(
            f"cannot create {folder}: {error.strerror or error}; "
            f"make the folder writable or pass --db with a database elsewhere"
        ) from None
    return folder


# -- the session log's database --------------------------------------------------------------
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*(@)")


class DatabaseLocation(NamedTuple):
    """Where the session log is, and why there (for messages)."""

    url: str
    reason: str
    data_dir: Path | None = None
    """The project's data folder when the URL is its default SQLite file: created on open."""

    @property
    def display(self) -> str:
        """The URL without its password, for messages."""
        return _PASSWORD.sub(r"\1***\2", self.url)

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite file behind the URL, or None for another database (or a URL with
        options, which only SQLAlchemy understands)."""
        for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
            if self.url.startswith(prefix) and "?" not in self.url and len(self.url) > len(prefix):
                return Path(self.url[len(prefix) :]).expanduser()
        return None


def database_location(
    root: Path, explicit: str | None = None, environ: Mapping[str, str] | None = None
) -> DatabaseLocation:
    """``--db``, else ``$COCKPIT_DB_URL``, else ``<root>/.cockpit/cockpit.db``."""
    environ = os.environ if environ is None else environ
    if explicit:
        return DatabaseLocation(explicit, "--db")
    if environ.get(DB_URL_ENV):
        return DatabaseLocation(environ[DB_URL_ENV], f"${DB_URL_ENV}")
    folder = data_dir(root)
    return DatabaseLocation(
        f"sqlite:///{folder / DATABASE_NAME}", "the project's .cockpit/", data_dir=folder
    )


# -- the user's remembered choices -------------------------------------------------------------
def config_dir() -> Path:
    """``$COCKPIT_CONFIG_DIR`` (the tests point it at a temporary folder), else the
    platform's config folder."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("cockpit", appauthor=False))


class Settings(NamedTuple):
    """The user's remembered choices, in ``settings.toml`` (a damaged file is ignored)."""

    theme: str | None = None

    @classmethod
    def load(cls) -> Settings:
        import tomllib

        path = config_dir() / CONFIG_FILE
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            return cls()
        theme = data.get("theme")
        return cls(theme=theme if isinstance(theme, str) else None)

    def save(self) -> None:
        """Write atomically; a read-only config folder only loses the preference."""
        folder = config_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / (CONFIG_FILE + ".tmp")
            escaped = (self.theme or "").replace("\\", "\\\\").replace('"', '\\"')
            temporary.write_text(f'theme = "{escaped}"\n', encoding="utf-8")
            temporary.replace(folder / CONFIG_FILE)
        except OSError:
            pass


def write_json_atomically(path: Path, payload: object) -> bool:
    """Write one of cockpit's JSON files whole or not at all (a temporary file renamed
    over it); False when the folder is not writable (a read-only project goes without)."""
    import json
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(payload, out)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        return False
    return True
