"""Runs imported from CI result files, written whole or not at all.

``cockpit import`` streams a file that may hold 50,000 tests (or be cut off, or hostile) into
the session log. Every row of the run goes in through one transaction, opened before the
first row and committed after the last: a file found bad halfway, a full disk or a killed
import leaves the log exactly as it was, not half a run. The rows themselves are the live
recorder's (:class:`~cockpit.store.recorder.RowCollector`), so an imported run is read by
``diff``, ``clusters``, the app and the export like any other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from cockpit.errors import CockpitError
from cockpit.store.models import Result, Run, RunImport
from cockpit.store.rows import CollectionErrorRecord, FailureRow, ModuleDigest, ResultRow, RunTotals
from cockpit.store.runs import RunStore, end_run, insert_results


@dataclass(frozen=True, slots=True)
class ImportSource:
    """One file an imported run was read from, as ``run_imports`` keeps it."""

    path: str
    format: str
    """``junit-xml`` or ``report-log``."""
    sha256: str
    tests: int
    hostname: str | None = None
    ci_timestamp: float | None = None


@dataclass(frozen=True, slots=True)
class ImportedEnding:
    """What an import knows of its run once every file is read."""

    selection_reason: str
    whole_suite: bool
    shard: str | None
    started_at: float
    ended_at: float
    exit_code: int
    outcome: str
    totals: RunTotals
    results_digest: str
    module_digests: Mapping[str, ModuleDigest]
    pytest_version: str = ""
    rootdir: str = ""


class AlreadyImported(CockpitError):
    """A file was imported before (same bytes): importing it again would count it twice."""


class ImportedRunWriter:
    """Writes one imported run's rows on the import's connection (one transaction)."""

    def __init__(self, connection: Connection, run_id: int) -> None:
        self.connection = connection
        self.run_id = run_id

    def write(
        self,
        results: Sequence[ResultRow],
        failures: Sequence[FailureRow] = (),
        collection_errors: Sequence[CollectionErrorRecord] = (),
    ) -> None:
        insert_results(self.connection, self.run_id, results, failures, collection_errors)

    def amend_teardown(self, nodeid: str, teardown: str, duration: float) -> None:
        """A test's row gets a teardown outcome and time found after it was written: JUnit
        writes a teardown error after a failed call as a second testcase of its own."""
        self.connection.execute(
            update(Result)
            .where(Result.run_id == self.run_id, Result.nodeid == nodeid)
            .values(teardown=teardown, duration=Result.duration + duration)
        )

    def finish(self, ending: ImportedEnding, sources: Sequence[ImportSource]) -> None:
        """The run's ending and its source files; raises :class:`AlreadyImported` (and so
        rolls the whole run back) when a file was imported before."""
        self._refuse_reimports(sources)
        self.connection.execute(
            update(Run)
            .where(Run.id == self.run_id)
            .values(
                selection_reason=ending.selection_reason[:500],
                whole_suite=ending.whole_suite,
                pytest_version=ending.pytest_version[:64],
                rootdir=ending.rootdir[:1000],
                started_at=ending.started_at,
            )
        )
        end_run(
            self.connection,
            self.run_id,
            {"ended_at": ending.ended_at, "exit_code": ending.exit_code, "outcome": ending.outcome},
            ending.totals,
            ending.results_digest,
            ending.module_digests,
        )
        self.connection.execute(
            insert(RunImport),
            [
                {
                    "run_id": self.run_id,
                    "position": position,
                    "path": source.path,
                    "format": source.format,
                    "sha256": source.sha256,
                    "hostname": source.hostname[:255] if source.hostname else None,
                    "ci_timestamp": source.ci_timestamp,
                    "tests": source.tests,
                    "shard": ending.shard[:100] if ending.shard else None,
                }
                for position, source in enumerate(sources)
            ],
        )

    def _refuse_reimports(self, sources: Sequence[ImportSource]) -> None:
        digests = {source.sha256: source for source in sources}
        earlier = self.connection.execute(
            select(RunImport.run_id, RunImport.sha256)
            .where(RunImport.sha256.in_(list(digests)))
            .order_by(RunImport.run_id)
        ).first()
        if earlier is not None:
            run_id, sha256 = earlier
            raise AlreadyImported(
                f"{digests[sha256].path} was imported already, as run {run_id} (the same "
                "bytes); cockpit runs lists it, and importing it again would count it twice"
            )


class ImportStore(RunStore):
    """Imported runs: see the module's docstring."""

    @contextmanager
    def importing_run(self) -> Iterator[ImportedRunWriter]:
        """A run to import into, committed with every row when the block ends and rolled
        back (never seen by anyone) when it raises. The active session is looked up, or
        today's created, in the same transaction."""
        with Session(self.engine) as db, db.begin():
            session = self.active_session_in(db)
            run = self.new_run(
                session.id, args=(), whole_suite=False, selection_reason="imported", interpreter=""
            )
            db.add(run)
            db.flush()
            run_id = run.id
            yield ImportedRunWriter(db.connection(), run_id)
        self.attach_fix_evidence(run_id)

    def imported_sources(self, run_ids: Sequence[int]) -> dict[int, list[RunImport]]:
        """The source files of each imported run among ``run_ids`` (local runs have none)."""
        if not run_ids:
            return {}
        with Session(self.engine, expire_on_commit=False) as db:
            rows = db.scalars(
                select(RunImport)
                .where(RunImport.run_id.in_(list(run_ids)))
                .order_by(RunImport.run_id, RunImport.position)
            )
            found: dict[int, list[RunImport]] = {}
            for row in rows:
                found.setdefault(row.run_id, []).append(row)
            return found
