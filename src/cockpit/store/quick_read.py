"""Read-only queries for commands whose whole cost would otherwise be start-up.

``cockpit diff`` of two 50,000-result runs should answer about as fast as the command line
starts. Importing SQLAlchemy alone costs several times a bare start, so for a SQLite
session log at the current schema these queries go straight through the standard
``sqlite3`` driver; any other database (or an older schema, which needs upgrading) goes
through :class:`~cockpit.store.session_log.SessionLog` with the very same SQL text.

The diff queries return only what can differ between the two runs: the failing results of
each, and the tests that ran in one of them only; the database skips the unchanged
majority. Which query is cheapest depends on what the runs stored when they finished (see
:func:`changed_results_sql`): with a digest of each module's node ids, only the modules
whose test set changed are compared test by test. Records here are NamedTuples, not
dataclasses: importing ``dataclasses`` (and ``inspect`` with it) would cost this command
a quarter of its start-up. For the same reason this module does without ``from __future__
import annotations``: ``NamedTuple`` compiles every annotation it gets as a string, ~1 ms.
"""

import sqlite3
from typing import Any, NamedTuple

from cockpit.engine.outcomes import FAILING
from cockpit.errors import EXIT_STORE, CockpitError
from cockpit.settings import DatabaseLocation

HEAD_REVISION = "0013"  # kept equal to cockpit.store.database.HEAD_REVISION by a test

FAILING_SQL = ", ".join(f"'{outcome}'" for outcome in sorted(FAILING))

ChangeRow = tuple[str, int, str, str | None, bool | int]
"""One test in one run: (node id, 0 for the earlier run / 1 for the later, outcome, error
signature, whether it ran in this run only)."""

# Every query below returns the same rows, which is all a diff needs: each test that failed
# in a run, and each test that ran in one of the two runs only, once per run it is in, as
# :data:`ChangeRow`. A test in neither ran in both runs without failing.

# The full comparison: every result of both runs, one index lookup each. Only for runs
# recorded before module digests existed whose results digests differ.
CHANGED_RESULTS_SQL = f"""
SELECT a.nodeid, 0, a.outcome, a.signature, b.nodeid IS NULL
FROM results AS a
LEFT JOIN results AS b ON b.run_id = :after AND b.nodeid = a.nodeid
WHERE a.run_id = :before AND (a.outcome IN ({FAILING_SQL}) OR b.nodeid IS NULL)
UNION ALL
SELECT b.nodeid, 1, b.outcome, b.signature, a.nodeid IS NULL
FROM results AS b
LEFT JOIN results AS a ON a.run_id = :before AND a.nodeid = b.nodeid
WHERE b.run_id = :after AND (b.outcome IN ({FAILING_SQL}) OR a.nodeid IS NULL)
"""

# When both runs recorded exactly the same tests (equal results digests), no test ran in
# one run only: the failing results of each run, found through the (run_id, outcome)
# index, are the whole answer.
CHANGED_FAILING_SQL = f"""
SELECT nodeid, 0, outcome, signature, FALSE
FROM results WHERE run_id = :before AND outcome IN ({FAILING_SQL})
UNION ALL
SELECT nodeid, 1, outcome, signature, FALSE
FROM results WHERE run_id = :after AND outcome IN ({FAILING_SQL})
"""

# Module by module, when both runs stored their module digests: the full comparison only
# in the modules whose test set differs (their digests differ, or the module is in one run
# only), the failing results alone everywhere else. A module with equal digests holds the
# same node ids in both runs, so none of its tests ran in one run only.
CHANGED_BY_MODULE_SQL = f"""
WITH changed_modules (module) AS (
  SELECT a.module FROM run_modules AS a
  LEFT JOIN run_modules AS b ON b.run_id = :after AND b.module = a.module
  WHERE a.run_id = :before AND (b.module IS NULL OR a.digest <> b.digest)
  UNION
  SELECT b.module FROM run_modules AS b
  LEFT JOIN run_modules AS a ON a.run_id = :before AND a.module = b.module
  WHERE b.run_id = :after AND a.module IS NULL
)
SELECT a.nodeid, 0, a.outcome, a.signature, b.nodeid IS NULL
FROM results AS a
LEFT JOIN results AS b ON b.run_id = :after AND b.nodeid = a.nodeid
WHERE a.run_id = :before AND a.module IN (SELECT module FROM changed_modules)
  AND (a.outcome IN ({FAILING_SQL}) OR b.nodeid IS NULL)
UNION ALL
SELECT b.nodeid, 1, b.outcome, b.signature, a.nodeid IS NULL
FROM results AS b
LEFT JOIN results AS a ON a.run_id = :before AND a.nodeid = b.nodeid
WHERE b.run_id = :after AND b.module IN (SELECT module FROM changed_modules)
  AND (b.outcome IN ({FAILING_SQL}) OR a.nodeid IS NULL)
UNION ALL
SELECT nodeid, 0, outcome, signature, FALSE
FROM results WHERE run_id = :before AND outcome IN ({FAILING_SQL})
  AND module NOT IN (SELECT module FROM changed_modules)
UNION ALL
SELECT nodeid, 1, outcome, signature, FALSE
FROM results WHERE run_id = :after AND outcome IN ({FAILING_SQL})
  AND module NOT IN (SELECT module FROM changed_modules)
"""

MODULES_RECORDED_SQL = "SELECT EXISTS (SELECT 1 FROM run_modules WHERE run_id = :run)"
"""Whether a run stored its module digests (runs recorded before revision 0005 did not)."""

# A run pytest stopped before any test (a conftest or plugin failed to import) asked for the
# whole suite but holds none of it: never a whole-suite run to compare with.
STOPPED_OUTCOMES = ("conftest-error", "plugin-error")
RUN_COLUMNS = (
    "id, whole_suite AND outcome NOT IN ('conftest-error', 'plugin-error'), selection_reason,"
    " results_digest,"
    " EXISTS (SELECT 1 FROM run_modules WHERE run_modules.run_id = runs.id)"
)
RUN_SQL = f"SELECT {RUN_COLUMNS} FROM runs WHERE id = :run"
LAST_RUNS_SQL = f"SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT :limit"


def changed_results_sql(
    before_digest: str | None, after_digest: str | None, modules_recorded: bool = False
) -> str:
    """The cheapest query that finds every changed test of two runs: module by module when
    both stored module digests, failing-only when both hold the same tests, else the full
    comparison (runs recorded before module digests existed)."""
    if modules_recorded:
        return CHANGED_BY_MODULE_SQL
    if before_digest is not None and before_digest == after_digest:
        return CHANGED_FAILING_SQL
    return CHANGED_RESULTS_SQL


class RunHeader(NamedTuple):
    id: int
    whole_suite: bool
    selection_reason: str
    results_digest: str | None = None
    modules_recorded: bool = False


class Outcome(NamedTuple):
    module: str
    outcome: str
    signature: str | None


ChangedRows = list[ChangeRow]


class QuickReader:
    """A read-only connection to a SQLite session log at the current schema."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    @classmethod
    def open(cls, database: "DatabaseLocation") -> "QuickReader | None":
        """A reader, or None when the slower general path must be taken."""
        path = database.sqlite_file
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

    def rows(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Any read-only query's rows (the session log's ``rows`` takes the same SQL)."""
        return self._query(sql, params)

    def _query(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        try:
            return self.connection.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise CockpitError(f"cannot read the session log: {error}", EXIT_STORE) from None

    def run(self, run_id: int) -> RunHeader | None:
        rows = self._query(RUN_SQL, {"run": run_id})
        return _header(rows[0]) if rows else None

    def last_runs(self, limit: int) -> list[RunHeader]:
        return [_header(row) for row in self._query(LAST_RUNS_SQL, {"limit": limit})]

    def changed(self, before: RunHeader, after: RunHeader) -> ChangedRows:
        query = changed_results_sql(
            before.results_digest,
            after.results_digest,
            before.modules_recorded and after.modules_recorded,
        )
        return self._query(query, {"before": before.id, "after": after.id})


def _header(row: tuple[Any, ...]) -> RunHeader:
    return RunHeader(row[0], bool(row[1]), row[2], row[3], bool(row[4]))
