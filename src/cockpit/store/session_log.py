"""The session log's operations: sessions, runs and their results, fixes, known issues.

Every method is one short transaction. Result rows go in with Core ``executemany`` (50k
rows in ~0.4 s on SQLite, against ~4 s through the ORM unit of work); everything else uses
the ORM. Methods raise :class:`StoreError` with a one-line message for anything the user
can get wrong (an unknown run id, a session already open).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cockpit.diff import FAILING, diff_runs
from cockpit.errors import NotFound, StoreError
from cockpit.store.database import open_engine, resolve_location
from cockpit.store.models import (
    CollectionErrorRow,
    Failure,
    Fix,
    FixSession,
    KnownIssue,
    Note,
    Result,
    Run,
    RunModule,
)
from cockpit.store.paths import find_project_root
from cockpit.store.quick_read import (
    MODULES_RECORDED_SQL,
    ChangedRows,
    Outcome,
    changed_results_sql,
)

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class ResultRow:
    nodeid: str
    module: str
    outcome: str
    setup: str = ""
    call: str = ""
    teardown: str = ""
    duration: float = 0.0
    signature: str | None = None
    root_key: str | None = None


@dataclass(frozen=True, slots=True)
class FailureRow:
    nodeid: str
    phase: str
    crash_path: str | None
    crash_line: int | None
    message: str
    longrepr: str
    stdout: str | None = None
    stderr: str | None = None
    log: str | None = None


@dataclass(frozen=True, slots=True)
class ModuleDigest:
    """Which tests a run recorded in one module: the digest of their node ids, and how many."""

    digest: str
    tests: int
    outcomes: Mapping[str, int] | None = None
    """How many of the tests ended with each outcome other than passed."""


@dataclass(frozen=True, slots=True)
class RunTotals:
    collected: int
    passed: int
    failed: int
    errors: int
    skipped: int
    xfailed: int
    xpassed: int


def _as_rows(
    run_id: int, items: Sequence[ResultRow] | Sequence[FailureRow]
) -> list[dict[str, Any]]:
    """Parameter dicts for an ``executemany`` insert: the dataclass fields plus the run."""
    names = [field.name for field in fields(items[0])]
    return [{"run_id": run_id, **{name: getattr(item, name) for name in names}} for item in items]


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


class SessionLog:
    """The session log of one project (or of one database URL)."""

    def __init__(self, engine: Engine, clock: Clock = time.time) -> None:
        self.engine = engine
        self.clock = clock

    @classmethod
    def open(cls, project: Path, url: str | None = None, clock: Clock = time.time) -> SessionLog:
        root = find_project_root(project)
        log = cls(open_engine(resolve_location(root, url)), clock)
        log.mark_interrupted_runs()
        return log

    def close(self) -> None:
        self.engine.dispose()

    # -- sessions ---------------------------------------------------------------------
    def _open_started_session(self, db: Session) -> FixSession | None:
        return db.scalars(
            select(FixSession)
            .where(FixSession.ended_at.is_(None), FixSession.automatic_day.is_(None))
            .order_by(FixSession.id.desc())
            .limit(1)
        ).first()

    def active_session(self) -> FixSession:
        """The started session still open, else the automatic session of today."""
        day = datetime.fromtimestamp(self.clock()).strftime("%Y-%m-%d")
        for attempt in (1, 2):
            try:
                with Session(self.engine, expire_on_commit=False) as db, db.begin():
                    started = self._open_started_session(db)
                    if started is not None:
                        return started
                    automatic = db.scalars(
                        select(FixSession).where(FixSession.automatic_day == day).limit(1)
                    ).first()
                    if automatic is None:
                        automatic = FixSession(
                            title=f"Session of {day}", started_at=self.clock(), automatic_day=day
                        )
                        db.add(automatic)
                    return automatic
            except IntegrityError:
                # Another cockpit created today's session between our read and our write:
                # the second attempt reads it.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def start_session(self, title: str, git_commit: str | None) -> FixSession:
        with Session(self.engine, expire_on_commit=False) as db, db.begin():
            open_session = self._open_started_session(db)
            if open_session is not None:
                raise StoreError(
                    f"session {open_session.id} ({open_session.title!r}) is still open; "
                    "end it first with: cockpit session end"
                )
            session = FixSession(title=title, started_at=self.clock(), git_start=git_commit)
            db.add(session)
            return session

    def end_session(self, git_commit: str | None) -> FixSession:
        with Session(self.engine, expire_on_commit=False) as db, db.begin():
            session = self._open_started_session(db)
            if session is None:
                raise StoreError("no session is open; start one with: cockpit session start TITLE")
            session.ended_at = self.clock()
            session.git_end = git_commit
            return session

    def sessions(self) -> list[tuple[FixSession, int]]:
        with Session(self.engine, expire_on_commit=False) as db:
            counts = (
                select(Run.session_id, func.count(Run.id).label("runs"))
                .group_by(Run.session_id)
                .subquery()
            )
            rows = db.execute(
                select(FixSession, func.coalesce(counts.c.runs, 0))
                .outerjoin(counts, counts.c.session_id == FixSession.id)
                .order_by(FixSession.id)
            ).all()
            return [(session, int(count)) for session, count in rows]

    def session(self, session_id: int) -> FixSession:
        with Session(self.engine, expire_on_commit=False) as db:
            session = db.get(FixSession, session_id)
            if session is None:
                raise NotFound(f"no session {session_id}; cockpit session list shows them")
            return session

    # -- runs -------------------------------------------------------------------------
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
        with Session(self.engine) as db, db.begin():
            run = Run(
                session_id=session.id,
                args=list(args),
                whole_suite=whole_suite,
                selection_reason=selection_reason,
                interpreter=interpreter,
                source_digest=source_digest,
                pytest_version="",
                rootdir="",
                started_at=self.clock(),
                outcome="running",
                recorder_pid=os.getpid(),
                recorder_host=socket.gethostname(),
                collected=0,
                passed=0,
                failed=0,
                errors=0,
                skipped=0,
                xfailed=0,
                xpassed=0,
            )
            db.add(run)
            db.flush()
            return run.id

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
        collection_errors: Iterable[tuple[str, str, str]] = (),
    ) -> None:
        """Insert a batch in one transaction (a crash loses at most this batch)."""
        errors = [
            {"run_id": run_id, "path": path, "message": message, "longrepr": longrepr}
            for path, message, longrepr in collection_errors
        ]
        if not results and not failures and not errors:
            return
        with self.engine.begin() as connection:
            if results:
                connection.execute(insert(Result), _as_rows(run_id, results))
            if failures:
                connection.execute(insert(Failure), _as_rows(run_id, failures))
            if errors:
                connection.execute(insert(CollectionErrorRow), errors)

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
    ) -> None:
        """The run's ending; ``module_digests`` (module -> digest) go in the same transaction,
        so a diff never sees a run with only some of its modules digested."""
        with self.engine.begin() as connection:
            connection.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(
                    ended_at=self.clock(),
                    exit_code=exit_code,
                    outcome=outcome,
                    crashed_test=crashed_test,
                    results_digest=results_digest,
                    collected=totals.collected,
                    passed=totals.passed,
                    failed=totals.failed,
                    errors=totals.errors,
                    skipped=totals.skipped,
                    xfailed=totals.xfailed,
                    xpassed=totals.xpassed,
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
        self.attach_fix_evidence(run_id)

    def mark_interrupted_runs(self) -> list[int]:
        """Runs left 'running' by a cockpit that is gone (killed, crashed) become interrupted.

        Their totals are recounted from the results that did get written.
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
                run.ended_at = run.ended_at or self.clock()
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

    # -- fixes, known issues, notes ---------------------------------------------------
    def last_finished_run(self, before: float | None = None) -> Run | None:
        query = select(Run).where(Run.outcome != "running").order_by(Run.id.desc()).limit(1)
        if before is not None:
            query = query.where(Run.started_at <= before)
        with Session(self.engine, expire_on_commit=False) as db:
            return db.scalars(query).first()

    def add_fix(
        self,
        title: str,
        *,
        problem: str = "",
        root_cause: str = "",
        solution: str = "",
        files: Sequence[str] = (),
        risk: str = "low",
    ) -> Fix:
        session = self.active_session()
        before = self.last_finished_run()
        with Session(self.engine, expire_on_commit=False) as db, db.begin():
            fix = Fix(
                session_id=session.id,
                title=title,
                problem=problem,
                root_cause=root_cause,
                solution=solution,
                files=list(files),
                risk=risk,
                created_at=self.clock(),
                before_run_id=before.id if before else None,
            )
            db.add(fix)
            return fix

    def fixes(self, session_id: int | None = None) -> list[Fix]:
        query = select(Fix).order_by(Fix.id)
        if session_id is not None:
            query = query.where(Fix.session_id == session_id)
        with Session(self.engine, expire_on_commit=False) as db:
            return list(db.scalars(query))

    def fix_evidence(self, fix: Fix) -> dict[str, list[str]] | None:
        """Tests that flipped to pass between the run before ``fix`` and its evidence run,
        per module; None while no run has covered the fix yet."""
        if fix.before_run_id is None or fix.evidence_run_id is None:
            return None
        before, after = self.run(fix.before_run_id), self.run(fix.evidence_run_id)
        diff = diff_runs(
            self.outcomes(before.id),
            self.outcomes(after.id),
            before_whole_suite=before.whole_suite,
            after_whole_suite=after.whole_suite,
        )
        return diff.by_module().get("fixed", {})

    def attach_fix_evidence(self, run_id: int) -> list[int]:
        """Make ``run_id`` the evidence of every earlier fix it is the first to cover.

        A fix's affected tests are those failing in the run before it; a later finished run
        covers the fix when it ran at least one of them.
        """
        run = self.run(run_id)
        if run.outcome in ("running", "usage-error"):
            return []
        with Session(self.engine) as db:
            waiting = [
                (fix.id, fix.before_run_id)
                for fix in db.scalars(
                    select(Fix).where(
                        Fix.evidence_run_id.is_(None),
                        Fix.before_run_id.is_not(None),
                        Fix.before_run_id < run_id,
                        Fix.created_at <= run.started_at,
                    )
                )
            ]
        if not waiting:
            return []
        ran = set(self.outcomes(run_id))
        attached = []
        for fix_id, before_run_id in waiting:
            assert before_run_id is not None
            affected = {
                nodeid
                for nodeid, stored in self.outcomes(before_run_id).items()
                if stored.outcome in FAILING
            }
            if affected & ran:
                attached.append(fix_id)
        if attached:
            with self.engine.begin() as connection:
                connection.execute(
                    update(Fix).where(Fix.id.in_(attached)).values(evidence_run_id=run_id)
                )
        return attached

    def add_known_issue(
        self,
        title: str,
        tests: Sequence[str],
        *,
        workaround: str | None,
        deselected: Sequence[str],
        priority: str,
        effort: str,
    ) -> KnownIssue:
        session = self.active_session()
        with Session(self.engine, expire_on_commit=False) as db, db.begin():
            issue = KnownIssue(
                session_id=session.id,
                title=title,
                tests=list(tests),
                workaround=workaround,
                deselected=list(deselected),
                priority=priority,
                effort=effort,
                status="open",
                created_at=self.clock(),
            )
            db.add(issue)
            return issue

    def known_issues(self, session_id: int | None = None) -> list[KnownIssue]:
        query = select(KnownIssue).order_by(KnownIssue.id)
        if session_id is not None:
            query = query.where(KnownIssue.session_id == session_id)
        with Session(self.engine, expire_on_commit=False) as db:
            return list(db.scalars(query))

    def add_note(self, text: str) -> Note:
        session = self.active_session()
        with Session(self.engine, expire_on_commit=False) as db, db.begin():
            note = Note(session_id=session.id, text=text, created_at=self.clock())
            db.add(note)
            return note

    def notes(self, session_id: int) -> list[Note]:
        with Session(self.engine, expire_on_commit=False) as db:
            return list(
                db.scalars(select(Note).where(Note.session_id == session_id).order_by(Note.id))
            )
