"""Opening the session log's database: where it is, how SQLite is tuned, schema upgrades.

SQLite at ``<project>/.cockpit/cockpit.db`` by default, any SQLAlchemy URL through ``--db``
or ``COCKPIT_DB_URL``. SQLite runs in WAL mode with ``synchronous=NORMAL`` (a single-row
commit ~9x cheaper than the default journal), a busy timeout, and real transactions for
DDL too, so two cockpits on one project both record everything and a schema change is
never seen half done. The schema is upgraded in place with the Alembic
migrations shipped in the package, but only when the stored revision is behind: a plain
``SELECT`` answers the common case without loading Alembic at all.

Look before touching: an existing SQLite file is read first through a read-only
connection that writes nothing (not even a ``-wal`` or ``-shm`` file), and another
application's database is refused before anything could switch it to WAL.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from cockpit.errors import NotFound, StoreError
from cockpit.settings import DB_URL_ENV, DatabaseLocation, ensure_data_dir
from cockpit.store.models import SCHEMA_APPLICATION

HEAD_REVISION = "0013"


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions itself only before DML, so DDL would autocommit statement
    # by statement: a migration could be seen (or left) half done. Cockpit begins them.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    # WAL is stored in the file, so only a new database switches; the switch can answer
    # "locked" without waiting on the busy timeout while another cockpit does the same.
    # A read-only file answers "readonly" at once: no wait makes it writable.
    for attempt in range(200):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError as error:
            busy = getattr(error, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED")
            if not busy or attempt == 199:
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def create_store_engine(location: DatabaseLocation) -> Engine:
    if location.data_dir is not None:
        ensure_data_dir(location.data_dir.parent)
    try:
        url = make_url(location.url)
    except (ArgumentError, ValueError):  # "garbage://::x" is a ValueError (its port)
        raise StoreError(
            f"{location.url!r} ({location.reason}) is not a database URL; "
            "use e.g. sqlite:///path/to/cockpit.db or postgresql+psycopg://user@host/db"
        ) from None
    database = url.database or ""
    is_file = database not in ("", ":memory:") and not database.startswith("file:")
    if url.get_backend_name() == "sqlite" and is_file:
        folder = Path(database).expanduser().resolve().parent
        if not folder.is_dir():
            raise StoreError(f"{location.display}: the folder {folder} does not exist")
        look_before_touching(Path(database).expanduser())
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    try:
        kwargs: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": 5}
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ImportError) as error:
        raise StoreError(
            f"{location.display}: no driver for {url.drivername} ({error}); "
            "for PostgreSQL install cockpit[postgres]"
        ) from None
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_immediate)
    return engine


SQLITE_MAGIC = b"SQLite format 3\x00"


def look_before_touching(path: Path) -> None:
    """Refuse a file that is not a cockpit database without changing a byte of it.

    A file of another application is read through a read-only connection; a WAL-mode file
    without its ``-wal`` file is read as immutable, since even a read-only connection
    would create the ``-wal`` and ``-shm`` files beside it.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        return  # a new database: cockpit creates it
    except OSError as error:
        raise StoreError(f"cannot read {path}: {error.strerror or error}") from None
    if not header:
        return  # an empty file is an empty SQLite database
    if not header.startswith(SQLITE_MAGIC):
        raise StoreError(
            f"{path} is not a cockpit database (not SQLite at all); "
            "pass --db with another database or move this file away"
        )
    wal = len(header) > 19 and header[18] == 2
    mode = "immutable=1" if wal and not Path(f"{path}-wal").exists() else "mode=ro"
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, timeout=30)
        try:
            names = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {name for (name,) in names}
            application = None
            if "cockpit_meta" in tables:
                row = connection.execute(
                    "SELECT value FROM cockpit_meta WHERE key = 'application'"
                ).fetchone()
                application = row[0] if row else None
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise StoreError(f"cannot read {path}: {error}") from None
    refuse_foreign(tables, application)


def refuse_foreign(tables: set[str], application: str | None) -> None:
    """A StoreError unless ``tables`` are none at all or cockpit's."""
    if not tables:
        return
    if "cockpit_meta" not in tables or "alembic_version" not in tables:
        shown = ", ".join(sorted(tables)[:5])
        raise StoreError(
            f"the database is not cockpit's (it holds other tables: {shown}); "
            "pass --db with another database or move this one away"
        )
    if application != SCHEMA_APPLICATION:
        raise StoreError("the database is not cockpit's (its cockpit_meta says otherwise)")


def _begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock up front (WAL readers are not blocked by it), so two
    cockpits writing one database wait on the busy timeout instead of failing."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _describe(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    return " ".join(str(original).split())[:300]


def stored_revision(engine: Engine) -> str | None:
    """The schema revision the database is at; None for an empty database.

    Raises StoreError when the database has tables but is not cockpit's.
    """
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        if not tables:
            return None
        application = None
        if "cockpit_meta" in tables:
            application = connection.execute(
                text("SELECT value FROM cockpit_meta WHERE key = 'application'")
            ).scalar()
        refuse_foreign(tables, application)
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the shipped Alembic migrations up to ``revision`` in one transaction."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "cockpit.store:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_engine(location: DatabaseLocation) -> Engine:
    """An engine on an up-to-date cockpit schema, or a StoreError saying what is wrong."""
    engine = create_store_engine(location)
    try:
        if stored_revision(engine) != HEAD_REVISION:
            try:
                upgrade(engine)
            except SQLAlchemyError:
                # Another cockpit opening the same new database may have won the race to
                # create the schema: what counts is that it is there now.
                if stored_revision(engine) != HEAD_REVISION:
                    raise
    except StoreError as error:
        engine.dispose()
        raise StoreError(f"{location.display}: {error}") from None
    except DBAPIError as error:
        engine.dispose()
        if "file is not a database" in str(error):
            raise StoreError(
                f"{location.display} is not a cockpit database (not SQLite at all); "
                "pass --db with another database or move this file away"
            ) from None
        if "readonly" in str(error) or "read-only" in str(error):
            raise StoreError(
                f"{location.display} is read-only; make it writable or pass --db elsewhere"
            ) from None
        raise StoreError(
            f"cannot use the database {location.display} ({location.reason}): "
            f"{_describe(error)}; check --db / ${DB_URL_ENV}"
        ) from None
    except SQLAlchemyError as error:
        engine.dispose()
        raise StoreError(
            f"cannot use the database {location.display}: {_describe(error)}"
        ) from None
    return engine


__all__ = ["DatabaseLocation", "NotFound", "StoreError"]  # their home modules are lighter
