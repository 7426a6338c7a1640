"""Reading one session out of the session log into a :class:`SessionSummary`.

The only module of the report doing I/O. All counting happens in SQL over the result
table's indexes: totals per run and per module with ``GROUP BY`` (``(run_id, outcome)`` and
``(run_id, module)``), root causes by grouping the failing rows on ``root_key``, fixed and
broken tests by joining only the failing rows of one run to the other run's primary key.
A 50,000-result session is thus read without fetching 50,000 rows.

A SQLite log at the current schema is read through the standard ``sqlite3`` driver
(importing SQLAlchemy alone costs more than the whole export's budget); any other database
goes through :class:`~cockpit.store.session_log.SessionLog`'s engine with the very same SQL
text. Ordering never relies on the database's collation (PostgreSQL's differs from
SQLite's): rows are sorted in Python, so both paths give the same bytes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.errors import EXIT_STORE, CockpitError, NotFound, StoreError
from cockpit.report.model import (
    FAILING,
    SLOW_TESTS,
    TOP_CLUSTERS,
    VERDICT_ORDER,
    Cluster,
    Comparison,
    Counts,
    FixReport,
    IsolationCheck,
    KnownIssueReport,
    ModuleChange,
    ModuleStatus,
    ResolvedCluster,
    RunInfo,
    SessionSummary,
    SlowTest,
)
from cockpit.report.queries import COUNT_FIELD, FINISHED, SQL
from cockpit.settings import DatabaseLocation

if TYPE_CHECKING:
    from sqlalchemy import Engine

SCHEMA_REVISION = "0008"
"""The schema the quick path reads; kept equal to ``database.HEAD_REVISION`` by a test
(importing ``quick_read`` for it would cost this command ~2 ms)."""

Rows = list[tuple[Any, ...]]
Query = Callable[[str, Mapping[str, Any]], Rows]


def build_summary(database: DatabaseLocation, session_id: int | None) -> SessionSummary:
    """The summary of session ``session_id`` (default: the open session, else the session of
    the latest run) of the session log at ``database``."""
    with open_reader(database) as reader:
        return reader.summary(session_id)


@contextmanager
def open_reader(database: DatabaseLocation) -> Iterator[SummaryReader]:
    """A reader of the session log, on the fastest path available."""
    path = database.sqlite_file
    if path is not None and not path.is_file():
        raise StoreError(f"no session log at {path}; cockpit run records one")
    connection = _quick_connection(path) if path is not None else None
    if path is not None and connection is not None:
        try:
            yield SummaryReader(_sqlite_query(connection))
        finally:
            connection.close()
        return
    from cockpit.store.session_log import SessionLog

    log = SessionLog.open(database)
    try:
        yield SummaryReader(engine_query(log.engine))
    finally:
        log.close()


def engine_query(engine: Engine) -> Query:
    """The same statements through SQLAlchemy, for any database it reaches."""
    from sqlalchemy import text

    def query(sql: str, params: Mapping[str, Any]) -> Rows:
        with engine.connect() as db:
            return [tuple(row) for row in db.execute(text(sql), dict(params))]

    return query


def _quick_connection(path: Path) -> sqlite3.Connection | None:
    """A read-only connection to a cockpit log at the current schema, else None (the
    general path then upgrades an older schema, or explains what is wrong)."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return None
    try:
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if {"cockpit_meta", "alembic_version", "results", "runs"} <= tables:
            (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            if revision == SCHEMA_REVISION:
                return connection
    except sqlite3.Error:
        pass
    connection.close()
    return None


def _sqlite_query(connection: sqlite3.Connection) -> Query:
    def query(sql: str, params: Mapping[str, Any]) -> Rows:
        try:
            return connection.execute(sql, dict(params)).fetchall()
        except sqlite3.Error as error:
            raise CockpitError(f"cannot read the session log: {error}", EXIT_STORE) from None

    return query


def _strings(value: Any) -> tuple[str, ...]:
    """A JSON list column: text on SQLite's driver, already a list through SQLAlchemy."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(str(item) for item in value)


def _first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def _sum(counts: Iterable[Counts]) -> Counts:
    return Counts(*(sum(column) for column in zip(Counts(), *counts, strict=True)))


def _counts(pairs: Mapping[str, int]) -> Counts:
    values = {field: 0 for field in Counts._fields}
    for outcome, count in pairs.items():
        field = COUNT_FIELD.get(outcome)
        if field is not None:
            values[field] += int(count)
    return Counts(**values)


class SummaryReader:
    """Reads one session, each run's figures at most once."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self._runs: dict[int, RunInfo] = {}
        self._modules: dict[int, dict[str, Counts]] = {}

    # -- runs -------------------------------------------------------------------------
    def _run_info(self, row: tuple[Any, ...]) -> RunInfo:
        run_id = int(row[0])
        cached = self._runs.get(run_id)
        if cached is not None:
            return cached
        counts = _sum(self.module_counts(run_id).values())
        errors = len(self.query(SQL["collection_errors"], {"run": run_id}))
        info = RunInfo(
            id=run_id,
            selection=str(row[1]),
            whole_suite=bool(row[2]),
            outcome=str(row[3]),
            started_at=float(row[4]),
            ended_at=None if row[5] is None else float(row[5]),
            counts=counts,
            collection_errors=errors,
        )
        self._runs[run_id] = info
        return info

    def run(self, run_id: int | None) -> RunInfo | None:
        if run_id is None:
            return None
        if run_id in self._runs:
            return self._runs[run_id]
        rows = self.query(SQL["run"], {"run": run_id})
        return self._run_info(rows[0]) if rows else None

    def module_counts(self, run_id: int) -> dict[str, Counts]:
        cached = self._modules.get(run_id)
        if cached is not None:
            return cached
        modules: dict[str, Counts] = {}
        stored = self.query(SQL["module_tests"], {"run": run_id})
        if stored and all(outcomes not in (None, "null") for _, _, outcomes in stored):
            # Counted when the run finished (schema 0007): no scan of its results.
            for module, total, outcomes in stored:
                pairs = json.loads(outcomes) if isinstance(outcomes, str) else dict(outcomes)
                modules[module] = _counts({**pairs, "passed": int(total) - sum(pairs.values())})
            self._modules[run_id] = modules
            return modules
        others: dict[str, dict[str, int]] = {}
        for module, outcome in self.query(SQL["module_others"], {"run": run_id}):
            tally = others.setdefault(module, {})
            tally[outcome] = tally.get(outcome, 0) + 1
        totals = [(module, total) for module, total, _ in stored]
        if not totals:  # recorded before run_modules existed, or never finished
            totals = self.query(SQL["module_totals"], {"run": run_id})
        for module, total in totals:
            pairs = others.get(module)
            if pairs is None:
                modules[module] = Counts(passed=int(total))
            else:
                modules[module] = _counts({**pairs, "passed": int(total) - sum(pairs.values())})
        self._modules[run_id] = modules
        return modules

    # -- comparisons ------------------------------------------------------------------
    def compare(
        self, before: RunInfo, after: RunInfo
    ) -> tuple[Comparison, dict[str, int], dict[str, int], dict[str, int]]:
        """The comparison, and per root key of ``before``: its size and how many of its
        tests flipped to pass; per module: how many flipped."""
        fixed: list[str] = []
        changed: list[str] = []
        still = gone = 0
        sizes: dict[str, int] = {}
        flipped_keys: dict[str, int] = {}
        flipped_modules: dict[str, int] = {}
        params = {"before": before.id, "after": after.id}
        for nodeid, module, key, signature, outcome, new_signature in self.query(
            SQL["failing_then"], params
        ):
            key = key or "unknown"
            sizes[key] = sizes.get(key, 0) + 1
            if outcome is None:
                gone += 1
            elif outcome not in FAILING:
                fixed.append(nodeid)
                flipped_keys[key] = flipped_keys.get(key, 0) + 1
                flipped_modules[module] = flipped_modules.get(module, 0) + 1
            elif (signature or "") != (new_signature or ""):
                changed.append(nodeid)
            else:
                still += 1
        broken: list[str] = []
        new: list[str] = []
        for nodeid, old_outcome in self.query(SQL["failing_now"], params):
            if old_outcome is not None:
                broken.append(nodeid)
            elif before.whole_suite:
                new.append(nodeid)
        comparison = Comparison(
            before_run=before.id,
            after_run=after.id,
            fixed=tuple(sorted(fixed)),
            changed_error=tuple(sorted(changed)),
            still_failing=still,
            broken=tuple(sorted(broken)),
            new_failing=tuple(sorted(new)),
            gone=gone,
        )
        return comparison, sizes, flipped_keys, flipped_modules

    def fix(self, row: tuple[Any, ...]) -> FixReport:
        (fix_id, title, problem, root_cause, solution, files, risk, before_id, evidence_id) = row
        before, evidence = self.run(before_id), self.run(evidence_id)
        comparison = None
        modules: tuple[ModuleChange, ...] = ()
        resolved: tuple[ResolvedCluster, ...] = ()
        if before is not None and evidence is not None:
            comparison, sizes, keys, flipped = self.compare(before, evidence)
            old, new = self.module_counts(before.id), self.module_counts(evidence.id)
            modules = tuple(
                ModuleChange(module, old.get(module, Counts()), new.get(module, Counts()), count)
                for module, count in sorted(flipped.items())
            )
            resolved = tuple(
                ResolvedCluster(key, count, sizes[key])
                for key, count in sorted(keys.items(), key=lambda item: (-item[1], item[0]))
            )
        return FixReport(
            id=int(fix_id),
            title=str(title),
            problem=str(problem or ""),
            root_cause=str(root_cause or ""),
            solution=str(solution or ""),
            files=tuple(sorted(_strings(files))),
            risk=str(risk),
            before_run=before,
            evidence_run=evidence,
            comparison=comparison,
            modules=modules,
            resolved=resolved,
        )

    # -- the status run ---------------------------------------------------------------
    def modules(self, run: RunInfo) -> tuple[ModuleStatus, ...]:
        statuses = {
            module: ModuleStatus(module, counts)
            for module, counts in self.module_counts(run.id).items()
        }
        for path, message in self.query(SQL["collection_errors"], {"run": run.id}):
            existing = statuses.get(path)
            counts = existing.counts if existing else Counts()
            statuses[path] = ModuleStatus(path, counts, _first_line(message) or "import failed")
        return tuple(statuses[module] for module in sorted(statuses))

    def clusters(self, run: RunInfo) -> tuple[tuple[Cluster, ...], int]:
        groups: dict[str, list[tuple[str, str, str]]] = {}
        for nodeid, module, outcome, key in self.query(SQL["failing"], {"run": run.id}):
            groups.setdefault(key or "unknown", []).append((nodeid, module, outcome))
        ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
        clusters = []
        for key, members in ranked[:TOP_CLUSTERS]:
            outcomes: dict[str, int] = {}
            for _, _, outcome in members:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            example = min(nodeid for nodeid, _, _ in members)
            message = self.query(SQL["message"], {"run": run.id, "nodeid": example})
            clusters.append(
                Cluster(
                    key=key,
                    size=len(members),
                    outcomes=tuple(sorted(outcomes.items())),
                    modules=tuple(sorted({module for _, module, _ in members})),
                    example_test=example,
                    example_message=_first_line(message[0][0]) if message else "",
                )
            )
        return tuple(clusters), len(groups)

    def slow_tests(self, run: RunInfo) -> tuple[SlowTest, ...]:
        """The slowest tests. Ties are settled by node id in Python, never by the database's
        collation: when the cut falls inside a tie, every tied test is fetched."""
        rows = self.query(SQL["slowest"], {"run": run.id, "limit": SLOW_TESTS + 1})
        if len(rows) > SLOW_TESTS and rows[SLOW_TESTS][1] == rows[SLOW_TESTS - 1][1]:
            threshold = rows[SLOW_TESTS - 1][1]
            rows = self.query(SQL["slow_ties"], {"run": run.id, "threshold": threshold})
        ranked = sorted(rows, key=lambda row: (-float(row[1]), row[0]))[:SLOW_TESTS]
        return tuple(SlowTest(str(n), float(d), str(o)) for n, d, o in ranked)

    def isolations(self, session_id: int) -> tuple[IsolationCheck, ...]:
        """The latest verdict of each test checked alone in the session."""
        latest: dict[str, IsolationCheck] = {}
        for nodeid, verdict, outcomes, polluter, run_id in self.query(
            SQL["isolations"], {"session": session_id}
        ):
            latest[str(nodeid)] = IsolationCheck(
                nodeid=str(nodeid),
                verdict=str(verdict),
                outcomes=_strings(outcomes),
                polluter=None if polluter is None else str(polluter),
                run_id=None if run_id is None else int(run_id),
            )

        def rank(check: IsolationCheck) -> tuple[int, str]:
            order = VERDICT_ORDER.index(check.verdict) if check.verdict in VERDICT_ORDER else 3
            return (order, check.nodeid)

        return tuple(sorted(latest.values(), key=rank))

    # -- the session ------------------------------------------------------------------
    def session_id(self) -> int:
        for name in ("open_session", "last_run_session", "last_session"):
            rows = self.query(SQL[name], {})
            if rows:
                return int(rows[0][0])
        raise NotFound("the session log holds no session yet; cockpit run records one")

    def known_issues(self, session_id: int) -> tuple[KnownIssueReport, ...]:
        return tuple(
            KnownIssueReport(
                id=int(row[0]),
                title=str(row[1]),
                tests=tuple(sorted(_strings(row[2]))),
                workaround=row[3],
                deselected=tuple(sorted(_strings(row[4]))),
                priority=str(row[5]),
                effort=str(row[6] or ""),
                status=str(row[7]),
            )
            for row in self.query(SQL["known_issues"], {"session": session_id})
        )

    def before_and_after(
        self, session_id: int, started_at: float, runs: tuple[RunInfo, ...]
    ) -> tuple[RunInfo | None, RunInfo | None]:
        """The session's first finished whole-suite run (or, when it has at most one, the
        last one before the session) and its last."""
        whole = [run for run in runs if run.whole_suite and run.outcome in FINISHED]
        before: RunInfo | None = whole[0] if len(whole) > 1 else None
        if before is None:
            earlier = self.query(
                SQL["run_before_session"], {"session": session_id, "start": started_at}
            )
            before = self._run_info(earlier[0]) if earlier else None
        return before, (whole[-1] if whole else None)

    def summary(self, session_id: int | None) -> SessionSummary:
        if session_id is None:
            session_id = self.session_id()
        rows = self.query(SQL["session"], {"session": session_id})
        if not rows:
            raise NotFound(f"no session {session_id}; cockpit session list shows them")
        _, title, started_at, ended_at, git_start, git_end = rows[0]
        params = {"session": session_id}
        runs = tuple(self._run_info(row) for row in self.query(SQL["session_runs"], params))
        before, after = self.before_and_after(session_id, started_at, runs)
        comparison = None
        if before is not None and after is not None:
            comparison = self.compare(before, after)[0]
        status_run = after or (runs[-1] if runs else None)
        modules: tuple[ModuleStatus, ...] = ()
        clusters: tuple[Cluster, ...] = ()
        cluster_count = 0
        slow: tuple[SlowTest, ...] = ()
        if status_run is not None:
            modules = self.modules(status_run)
            clusters, cluster_count = self.clusters(status_run)
            slow = self.slow_tests(status_run)
        return SessionSummary(
            id=int(session_id),
            title=str(title),
            started_at=float(started_at),
            ended_at=None if ended_at is None else float(ended_at),
            git_start=git_start,
            git_end=git_end,
            runs=runs,
            before=before,
            after=after,
            comparison=comparison,
            fixes=tuple(self.fix(row) for row in self.query(SQL["fixes"], params)),
            known_issues=self.known_issues(session_id),
            notes=tuple(str(row[0]) for row in self.query(SQL["notes"], params)),
            status_run=status_run,
            modules=modules,
            clusters=clusters,
            cluster_count=cluster_count,
            slow_tests=slow,
            isolations=self.isolations(session_id),
        )
