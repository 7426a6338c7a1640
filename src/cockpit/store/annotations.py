"""What the user logs in a session: fixes, known issues and notes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.store.models import Fix, KnownIssue, Note
from cockpit.store.regression_store import RegressionStore


class AnnotationStore(RegressionStore):
    """Fixes (stamped with the run before them), known issues and notes."""

    def add_fix(
        self,
        title: str,
        *,
        problem: str = "",
        root_cause: str = "",
        solution: str = "",
        files: Sequence[str] = (),
        risk: str = "low",
        before_run_id: int | None = None,
        evidence_run_id: int | None = None,
    ) -> Fix:
        """Log a fix. Without ``before_run_id`` it is stamped with the last finished run (the
        rule before snapshots; see ``session.fixes.place_fix`` for the rule with them)."""
        session = self.active_session()
        if before_run_id is None:
            before = self.last_finished_run()
            before_run_id = before.id if before else None
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
                before_run_id=before_run_id,
                evidence_run_id=evidence_run_id,
            )
            db.add(fix)
            return fix

    def fixes(self, session_id: int | None = None) -> list[Fix]:
        query = select(Fix).order_by(Fix.id)
        if session_id is not None:
            query = query.where(Fix.session_id == session_id)
        with Session(self.engine, expire_on_commit=False) as db:
            return list(db.scalars(query))

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
