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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from cockpit.errors import NotFound
from cockpit.report.latest import latest_state
from cockpit.report.model import (
    EXAMPLE_LINES,
    EXAMPLES,
    FAILING,
    SLOW_TESTS,
    TOP_CLUSTERS,
    VERDICT_ORDER,
    Cluster,
    Comparison,
    Counts,
    FileDiff,
    FixReport,
    IsolationCheck,
    KnownIssueReport,
    ModuleChange,
    ModuleStatus,
    ResolvedCluster,
    ResolvedError,
    RunInfo,
    SessionSummary,
    SetupError,
    SlowTest,
)
from cockpit.report.queries import COUNT_FIELD, FINISHED, SQL
from cockpit.rootcause.folding import fold_traceback
from cockpit.settings import DatabaseLocation
from cockpit.suite.model import add_counts
from cockpit.suite.read import default_session
from cockpit.suite.reading import (
    SCHEMA_REVISION,
    Query,
    engine_query,
    first_line,
    open_query,
    strings,
)

__all__ = ["SCHEMA_REVISION", "build_summary", "engine_query", "open_reader"]


def build_summary(database: DatabaseLocation, session_id: int | None) -> SessionSummary:
    """The summary of session ``session_id`` (default: the open session, else the session of
    the latest run) of the session log at ``database``."""
    with open_reader(database) as reader:
        return reader.summary(session_id)


@contextmanager
def open_reader(database: DatabaseLocation) -> Iterator[SummaryReader]:
    """A reader of the session log, on the fastest path available."""
    with open_query(database) as query:
        yield SummaryReader(query)


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
        counts = add_counts(*self.module_counts(run_id).values())
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
        extras: tuple[tuple[ResolvedError, ...], tuple[str, ...]] = ((), ())
        diffs: tuple[FileDiff, ...] = ()
        if before is not None and evidence is not None:
            from cockpit.report.fix_change import evidence_extras, fix_diffs

            extras = evidence_extras(self.query, before, evidence)
            diffs = fix_diffs(self.query, tuple(sorted(strings(files))), before, evidence)
            comparison, sizes, keys, flipped = self.compare(before, evidence)
            old, new = self.module_counts(before.id), self.module_counts(evidence.id)
            imported = {error.module for error in extras[0]}
            added: dict[str, int] = {}
            for nodeid in extras[1]:
                module = nodeid.split("::", 1)[0]
                added[module] = added.get(module, 0) + 1
            modules = tuple(
                ModuleChange(
                    module,
                    old.get(module, Counts()),
                    new.get(module, Counts()),
                    flipped.get(module, 0),
                    added.get(module, 0),
                    module in imported,
                )
                for module in sorted({*flipped, *added, *imported})
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
            files=tuple(sorted(strings(files))),
            risk=str(risk),
            before_run=before,
            evidence_run=evidence,
            comparison=comparison,
            modules=modules,
            resolved=resolved,
            errors_resolved=extras[0],
            new_passing=extras[1],
            diffs=diffs,
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
            statuses[path] = ModuleStatus(path, counts, first_line(message) or "import failed")
        return tuple(statuses[module] for module in sorted(statuses))

    def clusters(
        self, run: RunInfo, known: frozenset[str] = frozenset()
    ) -> tuple[tuple[Cluster, ...], int]:
        """The largest root causes of ``run``, each with its tests that ``known`` (the open
        known issues' tests) names."""
        groups: dict[str, list[tuple[str, str, str]]] = {}
        for nodeid, module, outcome, key in self.query(SQL["failing"], {"run": run.id}):
            groups.setdefault(key or "unknown", []).append((nodeid, module, outcome))
        ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
        rows = self.query(SQL["rootdir"], {"run": run.id})
        rootdir = str(rows[0][0]) if rows and rows[0][0] else None
        clusters = []
        for rank, (key, members) in enumerate(ranked[:TOP_CLUSTERS]):
            outcomes: dict[str, int] = {}
            for _, _, outcome in members:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            example = min(nodeid for nodeid, _, _ in members)
            message = self.query(SQL["message"], {"run": run.id, "nodeid": example})
            folded = fold_traceback(str(message[0][1] or "") if message else "", rootdir)
            clusters.append(
                Cluster(
                    key=key,
                    size=len(members),
                    outcomes=tuple(sorted(outcomes.items())),
                    modules=tuple(sorted({module for _, module, _ in members})),
                    example_test=example,
                    example_message=first_line(message[0][0]) if message else "",
                    known_tests=tuple(sorted(n for n, _, _ in members if n in known)),
                    raised_in=folded.raised_in,
                    example_traceback=folded.tail(EXAMPLE_LINES) if rank < EXAMPLES else "",
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
                outcomes=strings(outcomes),
                polluter=None if polluter is None else str(polluter),
                run_id=None if run_id is None else int(run_id),
            )

        def rank(check: IsolationCheck) -> tuple[int, str]:
            order = VERDICT_ORDER.index(check.verdict) if check.verdict in VERDICT_ORDER else 3
            return (order, check.nodeid)

        return tuple(sorted(latest.values(), key=rank))

    def setup_errors(self, session_id: int, last_run: int | None) -> tuple[SetupError, ...]:
        """Each conftest or plugin that failed to import in the session, once, with every
        run it failed in and its latest traceback."""
        found: dict[tuple[str, str, str], SetupError] = {}
        for row in self.query(SQL["setup_errors"], {"session": session_id}):
            run_id, outcome, kind, source, path, message, longrepr, rootdir = row
            key = (str(kind), str(source or path), first_line(message))
            earlier = found.get(key)
            folded = fold_traceback(str(longrepr or ""), str(rootdir) if rootdir else None)
            found[key] = SetupError(
                kind=str(kind),
                source=str(source or path),
                folder=str(path),
                message=first_line(message),
                runs=(*(earlier.runs if earlier else ()), int(run_id)),
                stopped_pytest=bool(earlier and earlier.stopped_pytest)
                or outcome in ("conftest-error", "plugin-error"),
                in_last_run=int(run_id) == last_run,
                raised_in=folded.raised_in,
                traceback=folded.tail(EXAMPLE_LINES),
            )
        return tuple(found[key] for key in sorted(found))

    # -- the session ------------------------------------------------------------------
    def session_id(self) -> int:
        return default_session(self.query)

    def known_issues(self, session_id: int) -> tuple[KnownIssueReport, ...]:
        return tuple(
            KnownIssueReport(
                id=int(row[0]),
                title=str(row[1]),
                tests=tuple(sorted(strings(row[2]))),
                workaround=row[3],
                deselected=tuple(sorted(strings(row[4]))),
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
        known_issues = self.known_issues(session_id)
        known = frozenset(
            nodeid for issue in known_issues if issue.status == "open" for nodeid in issue.tests
        )
        modules: tuple[ModuleStatus, ...] = ()
        clusters: tuple[Cluster, ...] = ()
        cluster_count = 0
        slow: tuple[SlowTest, ...] = ()
        if status_run is not None:
            modules = self.modules(status_run)
            clusters, cluster_count = self.clusters(status_run, known)
            slow = self.slow_tests(status_run)
        fixes = tuple(self.fix(row) for row in self.query(SQL["fixes"], params))
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
            fixes=fixes,
            known_issues=known_issues,
            notes=tuple(str(row[0]) for row in self.query(SQL["notes"], params)),
            status_run=status_run,
            modules=modules,
            clusters=clusters,
            cluster_count=cluster_count,
            slow_tests=slow,
            isolations=self.isolations(session_id),
            latest=latest_state(self.query, self.module_counts, session_id, status_run),
            whole_suite_after_last_fix=_whole_suite_after(fixes[-1], runs) if fixes else None,
            setup_errors=self.setup_errors(session_id, runs[-1].id if runs else None),
        )


def _whole_suite_after(fix: FixReport, runs: tuple[RunInfo, ...]) -> bool:
    """Whether a finished whole-suite run came with or after ``fix``'s change: its evidence
    run, or a later one (any run after its before run, while it waits for evidence)."""
    landed = fix.evidence_run or fix.before_run
    if landed is None:
        return any(run.whole_suite and run.outcome in FINISHED for run in runs)
    first = landed.id if fix.evidence_run is not None else landed.id + 1
    return any(run.whole_suite and run.outcome in FINISHED and run.id >= first for run in runs)
