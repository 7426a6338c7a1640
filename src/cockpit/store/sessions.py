"""The fix sessions of the session log: the unit a summary is exported for.

The base of :class:`~cockpit.store.session_log.SessionLog`: it holds the engine and the
clock every other part of the log writes times with. Each method is one short transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cockpit.errors import NotFound, StoreError
from cockpit.store.models import FixSession, Run

Clock = Callable[[], float]


class SessionStore:
    """Sessions: the started one still open, else the automatic session of the day."""

    def __init__(self, engine: Engine, clock: Clock = time.time) -> None:
        self.engine = engine
        self.clock = clock

    def close(self) -> None:
        self.engine.dispose()

    def _open_started_session(self, db: Session) -> FixSession | None:
        return db.scalars(
            select(FixSession)
            .where(FixSession.ended_at.is_(None), FixSession.automatic_day.is_(None))
            .order_by(FixSession.id.desc())
            .limit(1)
        ).first()

    def active_session_in(self, db: Session) -> FixSession:
        """The active session (see :meth:`active_session`) in ``db``'s transaction, created
        there when today has none yet: with the transaction rolled back, it never was."""
        day = datetime.fromtimestamp(self.clock()).strftime("%Y-%m-%d")
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
            db.flush()
        return automatic

    def active_session(self) -> FixSession:
        """The started session still open, else the automatic session of today."""
        for attempt in (1, 2):
            try:
                with Session(self.engine, expire_on_commit=False) as db, db.begin():
                    return self.active_session_in(db)
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
