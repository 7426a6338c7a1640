"""Read-only SQL on the session log, on the quickest path there is.

A SQLite log at the current schema is read through the standard ``sqlite3`` driver
(importing SQLAlchemy alone costs more than ``cockpit export``'s or ``cockpit status``'s
whole budget); any other database, or an older schema that needs upgrading first, goes
through :class:`~cockpit.store.session_log.SessionLog`'s engine with the very same SQL
text. Callers sort in Python, never by the database's collation, so both paths give the
same answers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.errors import EXIT_STORE, CockpitError, StoreError
from cockpit.settings import DatabaseLocation

if TYPE_CHECKING:
    from sqlalchemy import Engine

SCHEMA_REVISION = "0013"
"""The schema the quick path reads; kept equal to ``database.HEAD_REVISION`` by a test
(importing ``store.database`` for it would import SQLAlchemy)."""

Rows = list[tuple[Any, ...]]
Query = Callable[[str, Mapping[str, Any]], Rows]


@contextmanager
def open_query(database: DatabaseLocation) -> Iterator[Query]:
    """A query function on the session log at ``database``, on the fastest path available
    (a StoreError when there is no SQLite log there yet)."""
    path = database.sqlite_file
    if path is not None and not path.is_file():
        raise StoreError(f"no session log at {path}; cockpit run records one")
    connection = quick_connection(path) if path is not None else None
    if connection is not None:
        try:
            yield sqlite_query(connection)
        finally:
            connection.close()
        return
    from cockpit.store.session_log import SessionLog

    log = SessionLog.open(database)
    try:
        yield engine_query(log.engine)
    finally:
        log.close()


def engine_query(engine: Engine) -> Query:
    """The same statements through SQLAlchemy, for any database it reaches."""
    from sqlalchemy import text

    def query(sql: str, params: Mapping[str, Any]) -> Rows:
        with engine.connect() as db:
            return [tuple(row) for row in db.execute(text(sql), dict(params))]

    return query


def quick_connection(path: Path) -> sqlite3.Connection | None:
    """A read-only connection to a cockpit log at the current schema, else None (the
    general path then upgrades an older schema, or explains what is wrong)."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return None
    try:
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if {"cockpit_meta", "alembic_version", "results", "runs"} <= tables:
            (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            if revision == SCHEMA_REVISION:
                return connection
    except sqlite3.Error:
        pass
    connection.close()
    return None


def sqlite_query(connection: sqlite3.Connection) -> Query:
    def query(sql: str, params: Mapping[str, Any]) -> Rows:
        try:
            return connection.execute(sql, dict(params)).fetchall()
        except sqlite3.Error as error:
            raise CockpitError(f"cannot read the session log: {error}", EXIT_STORE) from None

    return query


def strings(value: Any) -> tuple[str, ...]:
    """A JSON list column: text on SQLite's driver, already a list through SQLAlchemy."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(str(item) for item in value)


def first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
