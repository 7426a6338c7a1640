"""What the app reads from the session log. Blocking: the app calls these in thread workers.

Each function is one short read through :class:`~cockpit.store.session_log.SessionLog`
and returns plain frozen data, so nothing that touches the database crosses into widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from cockpit.app.views.known import NO_KNOWN_ISSUES, KnownIssues
from cockpit.app.views.run_view import RunView
from cockpit.engine.state import RunOutcome, recorded_state
from cockpit.report.figures import evidence_words
from cockpit.session.fixes import fix_evidence
from cockpit.session.staleness import current_files, stale_modules
from cockpit.store.models import Failure, Fix, KnownIssue, Note, Result, Run
from cockpit.store.rows import FailureRow
from cockpit.store.session_log import SessionLog
from cockpit.suite.model import RunFacts
from cockpit.suite.picture import SuitePicture, covered_by
from cockpit.suite.read import PictureReader
from cockpit.suite.reading import engine_query


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One recorded run, as the session panel lists it."""

    id: int
    started_at: float
    ended_at: float | None
    args: tuple[str, ...]
    reason: str
    whole_suite: bool
    outcome: str
    exit_code: int | None
    passed: int
    failed: int
    errors: int
    skipped: int
    xfailed: int
    xpassed: int
    crashed_test: str | None

    @classmethod
    def of(cls, run: Run) -> RunSummary:
        return cls(
            id=run.id,
            started_at=run.started_at,
            ended_at=run.ended_at,
            args=tuple(run.args or ()),
            reason=run.selection_reason,
            whole_suite=run.whole_suite,
            outcome=run.outcome,
            exit_code=run.exit_code,
            passed=run.passed,
            failed=run.failed,
            errors=run.errors,
            skipped=run.skipped,
            xfailed=run.xfailed,
            xpassed=run.xpassed,
            crashed_test=run.crashed_test,
        )

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else max(0.0, self.ended_at - self.started_at)


@dataclass(frozen=True, slots=True)
class SessionOverview:
    """The session panel's content: the active session and what it recorded."""

    session_id: int
    title: str
    started_at: float
    runs: tuple[RunSummary, ...]
    fixes: tuple[tuple[int, str, str, int | None, str], ...]
    """(id, title, risk, evidence run id, what the evidence shows)"""
    known_issues: tuple[tuple[int, str, int, str | None, str], ...]
    """(id, title, tests named, workaround, status)"""
    notes: tuple[tuple[float, str], ...]
    known: KnownIssues = NO_KNOWN_ISSUES
    """The open known issues' tests, which the tables mark."""


@dataclass(frozen=True, slots=True)
class LoadedRun:
    """The last recorded run, rebuilt for the screen, with what the live view needs."""

    summary: RunSummary
    view: RunView
    picture: SuitePicture
    """The session picture once this run is folded in: what the next run starts from."""


def _reader(log: SessionLog) -> PictureReader:
    return PictureReader(engine_query(log.engine))


def _facts(run: Run) -> RunFacts:
    return RunFacts(
        run.id,
        run.selection_reason,
        run.whole_suite,
        run.outcome,
        run.started_at,
        tuple(run.args or ()),
    )


def session_picture(log: SessionLog, before_run: int | None = None) -> SuitePicture:
    """The active session's picture (of its runs before ``before_run``), with its
    per-module index built here, in the thread, rather than on the event loop."""
    reader = _reader(log)
    picture = reader.picture(log.active_session().id, before_run=before_run)
    return _indexed(picture)


def _indexed(picture: SuitePicture) -> SuitePicture:
    picture.modules()
    if picture.tests:
        picture.tests_of(next(iter(picture.tests.values())).module)
    return picture


def with_run(log: SessionLog, picture: SuitePicture, run_id: int) -> SuitePicture:
    """``picture`` once the recorded run ``run_id`` is folded in."""
    run = log.run(run_id)
    if run.outcome in ("running", "usage-error"):
        return picture
    return _indexed(picture.with_run(_reader(log).results(_facts(run))))


def staleness(log: SessionLog, root: Path, picture: SuitePicture) -> dict[str, bool | None]:
    """Which modules of ``picture`` a change since their results may have affected."""
    now = current_files(root, log.last_snapshot_files())
    return stale_modules(root, picture, log.run_files, now).modules


def known_durations(log: SessionLog, run_id: int | None) -> dict[str, float]:
    """Each test's duration in one recorded run (the estimate of the next run's time, and
    the tests a failing conftest blocks); a run that recorded no test (a conftest stopped
    it) gives the durations of the last earlier run that did."""
    if run_id is None:
        return {}
    with log.engine.connect() as connection:
        with_results = connection.execute(
            select(func.max(Result.run_id)).where(Result.run_id <= run_id)
        ).scalar()
        if with_results is None:
            return {}
        rows = connection.execute(
            select(Result.nodeid, Result.duration).where(Result.run_id == with_results)
        )
        return {nodeid: duration for nodeid, duration in rows}


def last_run(log: SessionLog) -> LoadedRun | None:
    """The project's last finished run, rebuilt as a view (its failures clustered)."""
    run = log.last_finished_run()
    if run is None:
        return None
    with log.engine.connect() as connection:
        rows = connection.execute(
            select(Result.nodeid, Result.module, Result.outcome, Result.duration)
            .where(Result.run_id == run.id)
            .order_by(Result.module, Result.nodeid)
        ).all()
    errors = [
        (error.path, error.message, error.kind or "module", error.source, error.longrepr)
        for error in log.collection_errors(run.id)
    ]
    started = run.outcome not in (RunOutcome.CONFTEST_ERROR, RunOutcome.PLUGIN_ERROR)
    state = recorded_state(((r[0], r[1], r[2], r[3]) for r in rows), errors, started=started)
    if run.outcome != str(RunOutcome.CRASHED):
        state.crashed = False
    before = session_picture(log, before_run=run.id)
    view = RunView(
        state,
        reason=run.selection_reason,
        run_id=run.id,
        rootdir=run.rootdir or None,
        picture=before,
        covered=covered_by(tuple(run.args or ()), run.whole_suite),
        # A run a conftest stopped has no tests of its own: the previous run's tell which
        # tests it blocked.
        known_durations=known_durations(log, run.id) if not started else {},
    )
    failures = log.failures(run.id)
    for nodeid in state.failures:
        failure = failures.get(nodeid)
        if failure is not None:
            view.add_recorded_failure(nodeid, failure.message, failure.longrepr)
    for error in log.collection_errors(run.id):
        view.add_recorded_failure(
            error.path, error.message, error.longrepr, collection=error.kind or "module"
        )
    view.settle(log.regressions(run.id))
    return LoadedRun(RunSummary.of(run), view, with_run(log, before, run.id))


def run_duration(log: SessionLog, run_id: int) -> float | None:
    """A run's time as the session log keeps it (start to end of its record): the one
    duration the header, the end-of-run notice and the session table all show."""
    with log.engine.connect() as connection:
        row = connection.execute(
            select(Run.started_at, Run.ended_at).where(Run.id == run_id)
        ).first()
    if row is None or row[1] is None:
        return None
    return max(0.0, float(row[1]) - float(row[0]))


def failure_detail(log: SessionLog, run_id: int, nodeid: str) -> FailureRow | None:
    """A recorded test's failure text (None if it recorded none)."""
    with log.engine.connect() as connection:
        failure = connection.execute(
            select(Failure).where(Failure.run_id == run_id, Failure.nodeid == nodeid)
        ).first()
    if failure is None:
        return None
    return FailureRow(
        nodeid=nodeid,
        phase=failure.phase,
        crash_path=failure.crash_path,
        crash_line=failure.crash_line,
        message=failure.message,
        longrepr=failure.longrepr,
        stdout=failure.stdout,
        stderr=failure.stderr,
        log=failure.log,
    )


EvidenceCache = dict[tuple[int, int], str]
"""(before run, evidence run) -> what the evidence shows: counted once per app."""


def _shown(log: SessionLog, fix: Fix, cache: EvidenceCache) -> str:
    if fix.before_run_id is None or fix.evidence_run_id is None:
        return ""
    key = (fix.before_run_id, fix.evidence_run_id)
    if key not in cache:
        evidence = fix_evidence(log, fix)
        cache[key] = evidence_words(evidence) if evidence is not None else ""
    return cache[key]


def session_overview(log: SessionLog, evidence: EvidenceCache | None = None) -> SessionOverview:
    if evidence is None:
        evidence = {}
    session = log.active_session()
    runs = log.runs(session_id=session.id, limit=200)
    fixes: list[Fix] = log.fixes(session.id)
    issues: list[KnownIssue] = log.known_issues(session.id)
    notes: list[Note] = log.notes(session.id)
    return SessionOverview(
        session_id=session.id,
        title=session.title,
        started_at=session.started_at,
        runs=tuple(RunSummary.of(run) for run in runs),
        fixes=tuple(
            (fix.id, fix.title, fix.risk, fix.evidence_run_id, _shown(log, fix, evidence))
            for fix in fixes
        ),
        known_issues=tuple(
            (issue.id, issue.title, len(issue.tests), issue.workaround, issue.status)
            for issue in issues
        ),
        notes=tuple((note.created_at, note.text) for note in notes),
        known=KnownIssues.of(
            (issue.id, issue.title, issue.tests or ()) for issue in issues if issue.status == "open"
        ),
    )
