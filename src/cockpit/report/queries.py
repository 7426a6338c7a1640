"""The SQL the summary reads, as plain text: the same statements run through the standard
``sqlite3`` driver (the quick path) and through SQLAlchemy's engine (any other database).

All counting is done by the database over the result table's indexes; nothing here
orders by a collation (rows are sorted in Python), so both paths give the same bytes.
"""

from __future__ import annotations

from cockpit.suite.model import COUNT_FIELD, FAILING, FINISHED

__all__ = ["COUNT_FIELD", "FINISHED", "SQL"]

FAILING_SQL = ", ".join(f"'{outcome}'" for outcome in FAILING)
NOT_PASSED_SQL = ", ".join(
    f"'{outcome}'" for outcome in sorted({*FAILING, "skipped", "xfailed", "xpassed"})
)
RUN_COLUMNS = "id, selection_reason, whole_suite, outcome, started_at, ended_at"
SQL = {
    "session": "SELECT id, title, started_at, ended_at, git_start, git_end "
    "FROM sessions WHERE id = :session",
    "session_runs": f"SELECT {RUN_COLUMNS} FROM runs WHERE session_id = :session ORDER BY id",
    "run": f"SELECT {RUN_COLUMNS} FROM runs WHERE id = :run",
    "run_before_session": f"SELECT {RUN_COLUMNS} FROM runs WHERE session_id <> :session "
    "AND started_at < :start AND whole_suite AND outcome IN ('failed', 'passed') "
    "ORDER BY started_at DESC, id DESC LIMIT 1",
    "collection_errors": "SELECT path, message FROM collection_errors WHERE run_id = :run",
    # A run stores its tests per module when it finishes (``run_modules``, with the digest
    # ``cockpit diff`` compares): a few hundred rows instead of a scan of every result.
    "module_tests": "SELECT module, tests, outcomes FROM run_modules WHERE run_id = :run",
    "module_totals": "SELECT module, COUNT(*) FROM results WHERE run_id = :run GROUP BY module",
    # No GROUP BY here: with one, SQLite walks the (run_id, module) index over every row of
    # the run; without, the (run_id, outcome) index finds the few tests that did not pass.
    "module_others": "SELECT module, outcome FROM results WHERE run_id = :run "
    f"AND outcome IN ({NOT_PASSED_SQL})",
    "failing_then": "SELECT a.nodeid, a.module, COALESCE(a.root_key, a.signature), "
    "a.signature, b.outcome, b.signature FROM results AS a "
    "LEFT JOIN results AS b ON b.run_id = :after AND b.nodeid = a.nodeid "
    f"WHERE a.run_id = :before AND a.outcome IN ({FAILING_SQL})",
    "failing_now": "SELECT b.nodeid, a.outcome FROM results AS b "
    "LEFT JOIN results AS a ON a.run_id = :before AND a.nodeid = b.nodeid "
    f"WHERE b.run_id = :after AND b.outcome IN ({FAILING_SQL}) "
    f"AND (a.nodeid IS NULL OR a.outcome NOT IN ({FAILING_SQL}))",
    "failing": "SELECT nodeid, module, outcome, COALESCE(root_key, signature) FROM results "
    f"WHERE run_id = :run AND outcome IN ({FAILING_SQL})",
    "message": "SELECT message, longrepr FROM failures WHERE run_id = :run AND nodeid = :nodeid",
    "rootdir": "SELECT rootdir FROM runs WHERE id = :run",
    "slowest": "SELECT nodeid, duration, outcome FROM results WHERE run_id = :run "
    "ORDER BY duration DESC LIMIT :limit",
    "slow_ties": "SELECT nodeid, duration, outcome FROM results WHERE run_id = :run "
    "AND duration >= :threshold",
    "fixes": "SELECT id, title, problem, root_cause, solution, files, risk, before_run_id, "
    "evidence_run_id FROM fixes WHERE session_id = :session ORDER BY id",
    "known_issues": "SELECT id, title, tests, workaround, deselected, priority, effort, status "
    "FROM known_issues WHERE session_id = :session ORDER BY id",
    "notes": "SELECT text FROM notes WHERE session_id = :session ORDER BY id",
    "setup_errors": "SELECT e.run_id, r.outcome, e.kind, e.source, e.path, e.message, "
    "e.longrepr, r.rootdir FROM collection_errors AS e JOIN runs AS r ON r.id = e.run_id "
    "WHERE r.session_id = :session AND e.kind IS NOT NULL ORDER BY e.run_id, e.id",
    "isolations": "SELECT nodeid, verdict, outcomes, polluter, run_id FROM isolations "
    "WHERE session_id = :session ORDER BY id",
}
