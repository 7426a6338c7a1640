"""Runs in the session log: opened when a run starts, its results written in batches while
it streams, ended with its totals; and what later commands read back of them.

Result rows go in with Core ``executemany`` (50k rows in ~0.4 s on SQLite, against ~4 s
through the ORM unit of work). A run left "running" by a cockpit that died is marked
interrupted by the next one to open the log, with the totals of what was written.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.orm import Session

from cockpit.engine.ending import RunNotice
from cockpit.errors import NotFound
from cockpit.store.coverage import RunOutcomes, covers
from cockpit.store.models import (
    CollectionErrorRow,
    Failure,
    Fix,
    Result,
    Run,
    RunModule,
    RunNoticeRow,
    RunStart,
)
from cockpit.store.quick_read import (
    MODULES_RECORDED_SQL,
    ChangedRows,
    Outcome,
    changed_results_sql,
)
from cockpit.store.rows import (
    CollectionErrorRecord,
    FailureRow,
    ModuleDigest,
    ResultRow,
    RunTotals,
)
from cockpit.store.sessions import SessionStore


def _as_rows(
    run_id: int, items: Sequence[ResultRow] | Sequence[FailureRow]
) -> list[dict[str, Any]]:
    """Parameter dicts for an ``executemany`` insert: the dataclass fields plus the run."""
    names = [field.name for field in fields(items[0])]
    return [{"run_id": run_id, **{name: getattr(item, name) for name in names}} for item in items]


RunProgress = tuple[int, float]
"""How far a streaming run has got: tests collected, time of its last recorded batch."""


RUN_COUNTS = ("passed", "failed", "errors", "skipped", "xfailed", "xpassed")
"""The per-category totals a run row holds (pytest's summary categories)."""


def insert_results(
    connection: Connection,
    run_id: int,
    results: Sequence[ResultRow],
    failures: Sequence[FailureRow] = (),
    collection_errors: Sequence[CollectionErrorRecord] = (),
) -> None:
    """Insert a batch of a run's rows on ``connection`` (in its transaction)."""
    if results:
        connection.execute(insert(Result), _as_rows(run_id, results))
    if failures:
        connection.execute(insert(Failure), _as_rows(run_id, failures))
    if collection_errors:
        connection.execute(
            insert(CollectionErrorRow),
            [
                {
                    "run_id": run_id,
                    "path": error.path,
                    "message": error.message,
                    "longrepr": error.longrepr,
                    "kind": None if error.kind == "module" else error.kind,
                    "source": error.source,
                    "lineno": error.lineno,
                }
                for error in collection_errors
            ],
        )


def end_run(
    connection: Connection,
    run_id: int,
    ending: Mapping[str, Any],
    totals: RunTotals,
    results_digest: str | None,
    module_digests: Mapping[str, ModuleDigest] | None,
    notices: Sequence[RunNotice] = (),
) -> None:
    """Write a run's ending (``ending``: columns such as its outcome and end time), its
    totals and digests on ``connection``: one transaction, so a diff never sees a run with
    only some of its modules digested."""
    connection.execute(
        update(Run)
        .where(Run.id == run_id)
        .values(
            **ending,
            results_digest=results_digest,
            **{field.name: getattr(totals, field.name) for field in fields(totals)},
        )
    )
    if module_digests:
        connection.execute(
            insert(RunModule),
            [
                {
                    "run_id": run_id,
                    "module": module,
                    "digest": d.digest,
                    "tests": d.tests,
                    "outcomes": dict(d.outcomes) if d.outcomes is not None else None,
                }
                for module, d in module_digests.items()
            ],
        )
    if notices:
        connection.execute(
            insert(RunNoticeRow),
            [
                {"run_id": run_id, "kind": n.kind, "message": n.message, "detail": n.detail}
                for n in notices
            ],
        )


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunStore(SessionStore):
    """Runs, their results, failures and collection errors; the evidence runs give fixes."""

    def begin_run(
        self,
        args: Sequence[str],
        *,
        whole_suite: bool,
        selection_reason: str,
        interpreter: str,
        source_digest: str | None = None,
    ) -> int:
        session = self.active_session()
        values = self.new_run_values(
            session.id,
            args=args,
            whole_suite=whole_suite,
            selection_reason=selection_reason,
            interpreter=interpreter,
            source_digest=source_digest,
        )
        # Core, naming its columns: an ORM insert names every mapped column, so a log of
        # an older schema (a test's, or one mid-upgrade) would fail on the newest ones.
        with self.engine.begin() as connection:
            key = connection.execute(insert(Run).values(**values)).inserted_primary_key
        assert key is not None and isinstance(key[0], int)
        return key[0]

    def new_run(self, session_id: int, **options: Any) -> Run:
        """A run starting now, as an ORM row (an import writes it in its own transaction)."""
        return Run(**self.new_run_values(session_id, **options))

    def new_run_values(
        self,
        session_id: int,
        *,
        args: Sequence[str],
        whole_suite: bool,
        selection_reason: str,
        interpreter: str,
        source_digest: str | None = None,
    ) -> dict[str, Any]:
        """A run starting now, recorded by this process, with nothing counted yet."""
        return {
            "session_id": session_id,
            "args": list(args),
            "whole_suite": whole_suite,
            "selection_reason": selection_reason,
            "interpreter": interpreter,
            "source_digest": source_digest,
            "pytest_version": "",
            "rootdir": "",
            "started_at": self.clock(),
            "outcome": "running",
            "recorder_pid": os.getpid(),
            "recorder_host": socket.gethostname(),
            **dict.fromkeys(("collected", *RUN_COUNTS), 0),
        }

    def set_run_environment(self, run_id: int, pytest_version: str, rootdir: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(pytest_version=pytest_version, rootdir=rootdir)
            )

    def write_results(
        self,
        run_id: int,
        results: Sequence[ResultRow],
        failures: Sequence[FailureRow] = (),
        collection_errors: Iterable[CollectionErrorRecord] = (),
        *,
        progress: RunProgress | None = None,
    ) -> None:
        """Insert a batch in one transaction (a crash loses at most this batch), with how
        far the run had got (its collected count, its last event's time)."""
        errors = list(collection_errors)
        if not results and not failures and not errors and progress is None:
            return
        with self.engine.begin() as connection:
            if progress is not None:
                connection.execute(
                    update(Run)
                    .where(Run.id == run_id)
                    .values(collected=progress[0], last_event_at=progress[1])
                )
            insert_results(connection, run_id, results, failures, errors)

    def finish_run(
        self,
        run_id: int,
        *,
        exit_code: int,
        outcome: str,
        totals: RunTotals,
        crashed_test: str | None,
        results_digest: str | None = None,
        module_digests: Mapping[str, ModuleDigest] | None = None,
        deselected: int | None = None,
        notices: Sequence[RunNotice] = (),
        start: tuple[str, str] | None = None,
    ) -> None:
        """The run's ending; ``module_digests`` (module -> digest) and ``notices`` go in the
        same transaction, so a diff never sees a run with only some of its modules digested."""
        since_0010 = {"deselected": deselected} if deselected is not None else {}
        with self.engine.begin() as connection:
            end_run(
                connection,
                run_id,
                {
                    **since_0010,
                    "ended_at": self.clock(),
                    "exit_code": exit_code,
                    "outcome": outcome,
                    "crashed_test": crashed_test,
                },
                totals,
                results_digest,
                module_digests,
                notices,
            )
            if start is not None:
                connection.execute(
                    insert(RunStart),
                    [{"run_id": run_id, "mode": start[0], "reason": start[1][:500]}],
                )
        self.attach_fix_evidence(run_id)

    def notices(self, run_ids: Sequence[int]) -> dict[int, list[RunNotice]]:
        """The notices of these runs, in the order they were said."""
        found: dict[int, list[RunNotice]] = {run_id: [] for run_id in run_ids}
        if not run_ids:
            return found
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(RunNoticeRow.run_id, RunNoticeRow.kind, RunNoticeRow.message)
                .add_columns(RunNoticeRow.detail)
                .where(RunNoticeRow.run_id.in_(run_ids))
                .order_by(RunNoticeRow.id)
            )
            for run_id, kind, message, detail in rows:
                found[run_id].append(RunNotice(kind, message, dict(detail or {})))
        return found

    def mark_interrupted_runs(self) -> list[int]:
        """Runs left 'running' by a cockpit that is gone (killed, crashed) become interrupted.

        Their totals are recounted from the results that did get written; the collected
        count stays as it streamed, and the run ends at its last recorded batch (at its
        start when none was written), never when the log was next opened.
        """
        host = socket.gethostname()
        with Session(self.engine) as db, db.begin():
            orphans = [
                run
                for run in db.scalars(select(Run).where(Run.outcome == "running"))
                if run.recorder_host == host and not _pid_alive(run.recorder_pid)
            ]
            for run in orphans:
                counts = dict(
                    db.execute(
                        select(Result.outcome, func.count())
                        .where(Result.run_id == run.id)
                        .group_by(Result.outcome)
                    ).all()
                )
                run.outcome = "interrupted"
                run.exit_code = 2
                run.ended_at = run.ended_at or run.last_event_at or run.started_at
                run.passed = counts.get("passed", 0)
                run.failed = counts.get("failed", 0) + counts.get("crashed", 0)
                collection_errors = db.scalar(
                    select(func.count())
                    .select_from(CollectionErrorRow)
                    .where(CollectionErrorRow.run_id == run.id)
                )
                run.errors = counts.get("error", 0) + (collection_errors or 0)
                run.skipped = counts.get("skipped", 0)
                run.xfailed = counts.get("xfailed", 0)
                run.xpassed = counts.get("xpassed", 0)
            return [run.id for run in orphans]

    def rows(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """A read-only query's rows, as ``QuickReader.rows`` gives them (same SQL text)."""
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    def run_start(self, run_id: int) -> tuple[str, str] | None:
        """(mode, reason) of the run's start; None for a run recorded before they were."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(RunStart.mode, RunStart.reason).where(RunStart.run_id == run_id)
            ).first()
        return (row[0], row[1]) if row is not None else None

    def run(self, run_id: int) -> Run:
        with Session(self.engine, expire_on_commit=False) as db:
            run = db.get(Run, run_id)
            if run is None:
                raise NotFound(f"no run {run_id}; cockpit runs lists them")
            return run

    def runs(self, session_id: int | None = None, limit: int | None = None) -> list[Run]:
        """Runs, newest first."""
        query = select(Run).order_by(Run.id.desc())
        if session_id is not None:
            query = query.where(Run.session_id == session_id)
        if limit is not None:
            query = query.limit(limit)
        with Session(self.engine, expire_on_commit=False) as db:
            return list(db.scalars(query))

    def outcomes(self, run_id: int) -> dict[str, Outcome]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(Result.nodeid, Result.module, Result.outcome, Result.signature).where(
                    Result.run_id == run_id
                )
            )
            return {nodeid: Outcome(module, outcome, sig) for nodeid, module, outcome, sig in rows}

    def changed_results(self, before: Run, after: Run) -> ChangedRows:
        """Tests whose outcome or error differs between two runs (see ``quick_read``)."""
        with self.engine.connect() as connection:
            modules = all(
                connection.execute(text(MODULES_RECORDED_SQL), {"run": run.id}).scalar()
                for run in (before, after)
            )
            query = changed_results_sql(before.results_digest, after.results_digest, modules)
            rows = connection.execute(text(query), {"before": before.id, "after": after.id}).all()
        return [tuple(row) for row in rows]

    def failures(self, run_id: int) -> dict[str, Failure]:
        with Session(self.engine, expire_on_commit=False) as db:
            return {
                f.nodeid: f for f in db.scalars(select(Failure).where(Failure.run_id == run_id))
            }

    def collection_errors(self, run_id: int) -> list[CollectionErrorRow]:
        with Session(self.engine, expire_on_commit=False) as db:
            return list(
                db.scalars(
                    select(CollectionErrorRow)
                    .where(CollectionErrorRow.run_id == run_id)
                    .order_by(CollectionErrorRow.id)
                )
            )

    def history(self, nodeid: str) -> list[tuple[Run, Result]]:
        with Session(self.engine, expire_on_commit=False) as db:
            rows = db.execute(
                select(Run, Result)
                .join(Result, Result.run_id == Run.id)
                .where(Result.nodeid == nodeid)
                .order_by(Run.id)
            ).all()
            return [(run, result) for run, result in rows]

    def last_finished_run(self, before: float | None = None) -> Run | None:
        query = select(Run).where(Run.outcome != "running").order_by(Run.id.desc()).limit(1)
        if before is not None:
            query = query.where(Run.started_at <= before)
        with Session(self.engine, expire_on_commit=False) as db:
            return db.scalars(query).first()

    def run_outcomes(self, run_id: int) -> RunOutcomes:
        """Each test's module and outcome in a run, and its modules that did not import."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(Result.nodeid, Result.module, Result.outcome).where(Result.run_id == run_id)
            )
            tests = {nodeid: (module, outcome) for nodeid, module, outcome in rows}
            errors = connection.scalars(
                select(CollectionErrorRow.path).where(CollectionErrorRow.run_id == run_id)
            )
            return RunOutcomes(tests, frozenset(errors))

    def attach_fix_evidence(self, run_id: int) -> list[int]:
        """Make ``run_id`` the evidence of every earlier fix still waiting that it covers.

        A fix's affected tests are those failing in the run before it, and the modules that
        did not import there (see ``coverage``). A fix whose before run predates snapshots
        waits for a run started after it was logged, as before schema 0008; any other
        waits for the first run after its before run that covers it: a fix logged while
        its proving run was going gets that run.
        """
        run = self.run(run_id)
        if run.outcome in ("running", "usage-error"):
            return []
        with self.engine.connect() as connection:
            waiting = connection.execute(
                select(Fix.id, Fix.before_run_id, Fix.created_at, Run.snapshot_id)
                .join(Run, Run.id == Fix.before_run_id)
                .where(Fix.evidence_run_id.is_(None), Fix.before_run_id < run_id)
            ).all()
        if not waiting:
            return []
        ran = self.run_outcomes(run_id)
        attached = []
        for fix_id, before_run_id, created_at, snapshot_id in waiting:
            if snapshot_id is None and created_at > run.started_at:
                continue  # recorded before snapshots: only runs started after the fix count
            if before_run_id is not None and covers(self.run_outcomes(before_run_id), ran):
                attached.append(fix_id)
        if attached:
            with self.engine.begin() as connection:
                connection.execute(
                    update(Fix).where(Fix.id.in_(attached)).values(evidence_run_id=run_id)
                )
        return attached
