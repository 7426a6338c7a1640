"""What the read-only commands read (``runs``, ``history``, ``fix list``, ``known list``),
as plain SQL: through the standard ``sqlite3`` driver on a current SQLite log, through
SQLAlchemy on anything else, with the very same text and the same rows.

Importing SQLAlchemy and the models costs those commands several times their whole
answer, so :func:`open_reader` takes the quick path whenever it can: a SQLite file at the
current schema with no run left "running" by a cockpit that died (that needs the repair
only the full session log does, so it takes the slow path once). Records are
NamedTuples and this module does without ``from __future__ import annotations``, for
the reasons given in :mod:`cockpit.store.quick_read`.
"""

import json
import os
import socket
from collections.abc import Callable
from typing import Any, NamedTuple

from cockpit.settings import DatabaseLocation
from cockpit.store.coverage import Evidence, RunOutcomes, evidence_between
from cockpit.store.quick_read import Outcome, QuickReader

Query = Callable[[str, dict[str, Any]], list[tuple[Any, ...]]]
NO_LIMIT = 1 << 62

RUNS_SQL = """
SELECT runs.id, runs.session_id, runs.started_at, runs.ended_at, runs.args,
       runs.selection_reason, runs.whole_suite, runs.outcome, runs.exit_code, runs.collected,
       runs.passed, runs.failed, runs.errors, runs.skipped, runs.xfailed, runs.xpassed,
       runs.crashed_test, starts.mode, starts.reason, runs.deselected
FROM runs LEFT JOIN run_starts AS starts ON starts.run_id = runs.id
ORDER BY runs.id DESC LIMIT :limit
"""
HISTORY_SQL = """
SELECT runs.id, runs.started_at, results.outcome, results.duration, results.signature,
       runs.source_digest, runs.interpreter
FROM results JOIN runs ON runs.id = results.run_id
WHERE results.nodeid = :nodeid ORDER BY runs.id
"""
FIXES_SQL = """
SELECT id, session_id, title, problem, root_cause, solution, files, risk, created_at,
       before_run_id, evidence_run_id
FROM fixes ORDER BY id
"""
KNOWN_SQL = """
SELECT id, session_id, title, tests, workaround, deselected, priority, effort, status
FROM known_issues ORDER BY id
"""
OUTCOMES_SQL = "SELECT nodeid, module, outcome, signature FROM results WHERE run_id = :run"
ERROR_PATHS_SQL = "SELECT path FROM collection_errors WHERE run_id = :run"
WHOLE_SUITE_SQL = "SELECT whole_suite FROM runs WHERE id = :run"
NOTICES_SQL = """
SELECT run_id, kind, message, detail FROM run_notices
WHERE run_id >= :first AND run_id <= :last ORDER BY id
"""
SOURCES_SQL = """
SELECT run_id, path, format, sha256, tests, hostname, ci_timestamp, shard FROM run_imports
WHERE run_id >= :first AND run_id <= :last ORDER BY run_id, position
"""
ORPHANS_SQL = "SELECT recorder_pid, recorder_host FROM runs WHERE outcome = 'running'"


def _listed(value: Any) -> list[str]:
    """A JSON column: text from sqlite3, already a list from PostgreSQL's driver."""
    if isinstance(value, str):
        value = json.loads(value)
    return [str(item) for item in value or ()]


class RunRow(NamedTuple):
    id: int
    session_id: int
    started_at: float
    ended_at: "float | None"
    args: list[str]
    selection_reason: str
    whole_suite: bool
    outcome: str
    exit_code: "int | None"
    collected: int
    passed: int
    failed: int
    errors: int
    skipped: int
    xfailed: int
    xpassed: int
    crashed_test: "str | None"
    start_mode: "str | None"
    start_reason: "str | None"
    deselected: "int | None"


class SourceRow(NamedTuple):
    """One file an imported run was read from (``cockpit import``)."""

    path: str
    format: str
    sha256: str
    tests: int
    hostname: "str | None"
    ci_timestamp: "float | None"
    shard: "str | None"


class HistoryRow(NamedTuple):
    run_id: int
    started_at: float
    outcome: str
    duration: float
    signature: "str | None"
    source_digest: "str | None"
    interpreter: str


class FixRow(NamedTuple):
    id: int
    session_id: int
    title: str
    problem: str
    root_cause: str
    solution: str
    files: list[str]
    risk: str
    created_at: float
    before_run_id: "int | None"
    evidence_run_id: "int | None"


class KnownRow(NamedTuple):
    id: int
    session_id: int
    title: str
    tests: list[str]
    workaround: "str | None"
    deselected: list[str]
    priority: str
    effort: str
    status: str


def runs(query: Query, limit: "int | None" = None) -> list[RunRow]:
    """Recorded runs, newest first, with how each one started."""
    rows = query(RUNS_SQL, {"limit": NO_LIMIT if limit is None else limit})
    return [
        RunRow._make((*row[:4], _listed(row[4]), row[5], bool(row[6]), *row[7:])) for row in rows
    ]


def _span(run_ids: "list[int]") -> dict[str, int]:
    return {"first": min(run_ids), "last": max(run_ids)}


def notices(query: Query, run_ids: "list[int]") -> "dict[int, list[dict[str, Any]]]":
    """What is said of each run beyond its counts, as ``--json`` shows it."""
    found: dict[int, list[dict[str, Any]]] = {run_id: [] for run_id in run_ids}
    if run_ids:
        for run_id, kind, message, detail in query(NOTICES_SQL, _span(run_ids)):
            if run_id in found:
                data = json.loads(detail) if isinstance(detail, str) else dict(detail or {})
                found[run_id].append({"kind": kind, "message": message, **data})
    return found


def sources(query: Query, run_ids: "list[int]") -> "dict[int, list[SourceRow]]":
    """The files each imported run among ``run_ids`` was read from (none for local runs)."""
    found: dict[int, list[SourceRow]] = {}
    if run_ids:
        wanted = set(run_ids)
        for row in query(SOURCES_SQL, _span(run_ids)):
            if row[0] in wanted:
                found.setdefault(row[0], []).append(SourceRow._make(row[1:]))
    return found


def history(query: Query, nodeid: str) -> list[HistoryRow]:
    return [HistoryRow._make(row) for row in query(HISTORY_SQL, {"nodeid": nodeid})]


def fixes(query: Query) -> list[FixRow]:
    return [FixRow._make((*row[:6], _listed(row[6]), *row[7:])) for row in query(FIXES_SQL, {})]


def known_issues(query: Query) -> list[KnownRow]:
    return [
        KnownRow._make((*row[:3], _listed(row[3]), row[4], _listed(row[5]), *row[6:]))
        for row in query(KNOWN_SQL, {})
    ]


def outcomes(query: Query, run_id: int) -> "dict[str, Outcome]":
    return {row[0]: Outcome._make(row[1:]) for row in query(OUTCOMES_SQL, {"run": run_id})}


def run_outcomes(query: Query, run_id: int) -> RunOutcomes:
    """Each test's module and outcome in a run, and its modules that did not import."""
    tests = {row[0]: (row[1], row[2]) for row in query(OUTCOMES_SQL, {"run": run_id})}
    errors = frozenset(str(row[0]) for row in query(ERROR_PATHS_SQL, {"run": run_id}))
    return RunOutcomes(tests, errors)


def fix_evidence(
    query: Query, before_run_id: "int | None", evidence_run_id: "int | None"
) -> "Evidence | None":
    """What a fix's evidence run shows against its before run (``SessionLog``'s reading,
    in plain SQL); None while no run has covered the fix yet."""
    if before_run_id is None or evidence_run_id is None:
        return None
    return evidence_between(
        run_outcomes(query, before_run_id),
        run_outcomes(query, evidence_run_id),
        before_whole=whole_suite(query, before_run_id),
    )


def whole_suite(query: Query, run_id: int) -> bool:
    rows = query(WHOLE_SUITE_SQL, {"run": run_id})
    return bool(rows[0][0]) if rows else False


class LogReader(NamedTuple):
    """A read-only way into the session log: ``query(sql, params)``, then ``close()``."""

    query: Query
    close: Callable[[], None]
    quick: bool


def _orphans(reader: QuickReader) -> bool:
    """Whether a run was left "running" by a cockpit on this host that is gone."""
    host = socket.gethostname()
    for pid, recorder_host in reader.connection.execute(ORPHANS_SQL).fetchall():
        if recorder_host != host:
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except (PermissionError, ValueError, OverflowError):
            continue
    return False


def open_reader(database: DatabaseLocation) -> LogReader:
    """The quick sqlite3 reader when it can answer, else the full session log (which
    upgrades an old schema and repairs runs a dead cockpit left running)."""
    quick = QuickReader.open(database)
    if quick is not None and not _orphans(quick):
        return LogReader(quick.rows, quick.close, True)
    if quick is not None:
        quick.close()
    from cockpit.store.session_log import SessionLog

    log = SessionLog.open(database)
    return LogReader(log.rows, log.close, False)
