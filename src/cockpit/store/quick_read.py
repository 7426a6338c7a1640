"""Read-only queries for commands whose whole cost would otherwise be start-up.

``cockpit diff`` of two 50,000-result runs should answer about as fast as the command line
starts. Importing SQLAlchemy alone costs several times a bare start, so for a SQLite
session log at the current schema these queries go straight through the standard
``sqlite3`` driver; any other database (or an older schema, which needs upgrading) goes
through :class:`~cockpit.store.session_log.SessionLog` with the very same SQL text.

The diff query returns only the tests whose outcome or error signature differs between
the two runs, or that ran in only one of them: the database skips the unchanged majority.
Records here are NamedTuples, not dataclasses: importing ``dataclasses`` (and ``inspect``
with it) would cost this command a quarter of its start-up.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, NamedTuple

from cockpit.diff import FAILING
from cockpit.errors import EXIT_STORE, CockpitError

HEAD_REVISION = "0003"  # kept equal to cockpit.store.database.HEAD_REVISION by a test

CHANGED_RESULTS_SQL = """
SELECT a.nodeid, a.module, a.outcome, a.signature, b.outcome, b.signature
FROM results AS a
LEFT JOIN results AS b ON b.run_id = :after AND b.nodeid = a.nodeid
WHERE a.run_id = :before
  AND (b.nodeid IS NULL OR a.outcome <> b.outcome
       OR COALESCE(a.signature, '') <> COALESCE(b.signature, ''))
UNION ALL
SELECT b.nodeid, b.module, NULL, NULL, b.outcome, b.signature
FROM results AS b
LEFT JOIN results AS a ON a.run_id = :before AND a.nodeid = b.nodeid
WHERE b.run_id = :after AND a.nodeid IS NULL
"""

# When both runs recorded exactly the same tests, only a test failing in one of them can
# be fixed, broken or failing differently: the (run_id, outcome) index finds those alone.
CHANGED_FAILING_SQL = """
SELECT a.nodeid, a.module, a.outcome, a.signature, b.outcome, b.signature
FROM results AS a
JOIN results AS b ON b.run_id = :after AND b.nodeid = a.nodeid
WHERE a.run_id = :before AND a.outcome IN ({failing})
  AND (a.outcome <> b.outcome OR COALESCE(a.signature, '') <> COALESCE(b.signature, ''))
UNION ALL
SELECT b.nodeid, b.module, a.outcome, a.signature, b.outcome, b.signature
FROM results AS b
JOIN results AS a ON a.run_id = :before AND a.nodeid = b.nodeid
WHERE b.run_id = :after AND b.outcome IN ({failing})
  AND a.outcome NOT IN ({failing})
""".format(failing=", ".join(f"'{outcome}'" for outcome in sorted(FAILING)))

RUN_COLUMNS = "id, whole_suite, selection_reason, results_digest"
RUN_SQL = f"SELECT {RUN_COLUMNS} FROM runs WHERE id = :run"
LAST_RUNS_SQL = f"SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT :limit"


def changed_results_sql(before_digest: str | None, after_digest: str | None) -> str:
    """The full comparison, or the failing-only one when both runs hold the same tests."""
    if before_digest is not None and before_digest == after_digest:
        return CHANGED_FAILING_SQL
    return CHANGED_RESULTS_SQL


class RunHeader(NamedTuple):
    id: int
    whole_suite: bool
    selection_reason: str
    results_digest: str | None = None


class Outcome(NamedTuple):
    module: str
    outcome: str
    signature: str | None


ChangedRows = list[tuple[str, str, str | None, str | None, str | None, str | None]]


def split_changed(rows: ChangedRows) -> tuple[dict[str, Outcome], dict[str, Outcome]]:
    """The before / after outcomes of the changed tests, as :func:`cockpit.diff.diff_runs`
    takes them."""
    before: dict[str, Outcome] = {}
    after: dict[str, Outcome] = {}
    for nodeid, module, old, old_signature, new, new_signature in rows:
        if old is not None:
            before[nodeid] = Outcome(module, old, old_signature)
        if new is not None:
            after[nodeid] = Outcome(module, new, new_signature)
    return before, after


class QuickReader:
    """A read-only connection to a SQLite session log at the current schema."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    @classmethod
    def open(cls, project: Path, url: str | None) -> QuickReader | None:
        """A reader, or None when the slower general path must be taken."""
        path = _sqlite_path(project, url)
        if path is None or not path.is_file():
            return None
        try:
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            tables = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
            if not {"cockpit_meta", "alembic_version", "results", "runs"} <= tables:
                connection.close()
                return None  # the general path explains what is wrong with this file
            (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return None
        if revision != HEAD_REVISION:
            connection.close()
            return None
        return cls(connection)

    def close(self) -> None:
        self.connection.close()

    def _query(self, sql: str, params: dict[str, int]) -> list[tuple[Any, ...]]:
        try:
            return self.connection.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise CockpitError(f"cannot read the session log: {error}", EXIT_STORE) from None

    def run(self, run_id: int) -> RunHeader | None:
        rows = self._query(RUN_SQL, {"run": run_id})
        return RunHeader(rows[0][0], bool(rows[0][1]), rows[0][2], rows[0][3]) if rows else None

    def last_runs(self, limit: int) -> list[RunHeader]:
        rows = self._query(LAST_RUNS_SQL, {"limit": limit})
        return [RunHeader(row[0], bool(row[1]), row[2], row[3]) for row in rows]

    def changed(self, before: RunHeader, after: RunHeader) -> ChangedRows:
        query = changed_results_sql(before.results_digest, after.results_digest)
        return self._query(query, {"before": before.id, "after": after.id})


def _sqlite_path(project: Path, url: str | None) -> Path | None:
    url = url or os.environ.get("COCKPIT_DB_URL")
    if not url:
        from cockpit.store.paths import default_database

        return default_database(project)
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix) and "?" not in url:
            return Path(url[len(prefix) :]).expanduser()
    return None
