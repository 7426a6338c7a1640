"""Isolation verdicts, run order and flaky history in the session log.

Kept apart from :mod:`cockpit.store.session_log` (one job a module); every function takes
an open :class:`SessionLog` and is one short transaction.

**Run order.** The recorder writes a run's results in the order the tests finished (one
writer thread, batches in order, rows in order within a batch), and never updates or
deletes a result. On SQLite every row gets a rowid one above the largest so far, so
``ORDER BY rowid`` is the finish order, exactly. PostgreSQL has no rowid: its physical
row address (``ctid``) follows insertion in an append-only table like this one, but
nothing guarantees it (two cockpits writing at once may interleave pages), so there the
order is the best available, not a promise. For a serial run the finish order is the run
order; under xdist the tests of other workers are interleaved, which only adds suspects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnClause, literal_column, select
from sqlalchemy.orm import Session

from cockpit.engine.outcomes import FAILING
from cockpit.isolation.flaky import HistoryPoint, flaky_flips
from cockpit.isolation.verdicts import IsolationVerdict
from cockpit.store.models import Isolation, Result, Run
from cockpit.store.session_log import SessionLog

_ROW_ORDER = {"sqlite": "results.rowid", "postgresql": "results.ctid"}


def record_isolations(
    log: SessionLog, run_id: int | None, verdicts: Iterable[IsolationVerdict]
) -> list[int]:
    """Store verdicts in the current session, against the run the tests failed in."""
    session = log.active_session()
    now = log.clock()
    rows = [
        Isolation(
            session_id=session.id,
            run_id=run_id,
            nodeid=verdict.nodeid,
            verdict=str(verdict.verdict),
            outcomes=list(verdict.outcomes),
            polluter=verdict.polluter,
            created_at=now,
        )
        for verdict in verdicts
    ]
    with Session(log.engine, expire_on_commit=False) as db, db.begin():
        db.add_all(rows)
        db.flush()
        return [row.id for row in rows]


def isolations(
    log: SessionLog, *, session_id: int | None = None, nodeid: str | None = None
) -> list[Isolation]:
    """Stored verdicts, oldest first, optionally of one session or one test."""
    query = select(Isolation).order_by(Isolation.id)
    if session_id is not None:
        query = query.where(Isolation.session_id == session_id)
    if nodeid is not None:
        query = query.where(Isolation.nodeid == nodeid)
    with Session(log.engine, expire_on_commit=False) as db:
        return list(db.scalars(query))


def run_order(log: SessionLog, run_id: int) -> list[str]:
    """The run's tests in the order they finished (see the module docstring)."""
    key: ColumnClause[Any] = literal_column(
        _ROW_ORDER.get(log.engine.dialect.name, "results.nodeid")
    )
    with log.engine.connect() as connection:
        return list(
            connection.scalars(select(Result.nodeid).where(Result.run_id == run_id).order_by(key))
        )


def failing_tests(log: SessionLog, run_id: int) -> list[str]:
    """The tests that failed, errored or crashed in a run, in the order they finished."""
    outcomes = log.outcomes(run_id)
    return [nodeid for nodeid in run_order(log, run_id) if outcomes[nodeid].outcome in FAILING]


def history_points(rows: Sequence[tuple[Run, Result]]) -> list[HistoryPoint]:
    """One test's history (``SessionLog.history``) as the points flakiness is judged on."""
    return [
        HistoryPoint(run.id, result.outcome, run.source_digest, run.interpreter)
        for run, result in rows
    ]


def flaky_tests(log: SessionLog, session_id: int | None = None) -> set[str]:
    """Tests whose outcome flipped between two runs with no file change in between.

    Within one session when ``session_id`` is given, else across the whole log. Only
    tests that failed at least once (in scope) are read.
    """
    scope = select(Run.id).where(Run.source_digest.is_not(None))
    if session_id is not None:
        scope = scope.where(Run.session_id == session_id)
    ever_failed = select(Result.nodeid).where(
        Result.run_id.in_(scope), Result.outcome.in_(sorted(FAILING))
    )
    query = (
        select(Result.nodeid, Run.id, Result.outcome, Run.source_digest, Run.interpreter)
        .join(Run, Run.id == Result.run_id)
        .where(Result.nodeid.in_(ever_failed))
        .order_by(Result.nodeid, Run.id)
    )
    if session_id is not None:
        query = query.where(Run.session_id == session_id)
    flaky: set[str] = set()
    current: str | None = None
    points: list[HistoryPoint] = []
    with log.engine.connect() as connection:
        for nodeid, run_id, outcome, digest, interpreter in connection.execute(query):
            if nodeid != current:
                if current is not None and flaky_flips(points):
                    flaky.add(current)
                current, points = nodeid, []
            points.append(HistoryPoint(run_id, outcome, digest, interpreter))
    if current is not None and flaky_flips(points):
        flaky.add(current)
    return flaky
