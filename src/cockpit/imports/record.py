"""``cockpit import``'s work: result files read, merged and recorded as one run.

Each file is streamed (JUnit XML or a report-log, see ``junit`` and ``reportlog``) into the
events a live run sends; a :class:`~cockpit.engine.state.RunState` counts them as pytest's
summary would, and the live recorder's :class:`~cockpit.store.recorder.RowCollector` turns
each finished test into its rows, written in batches inside the one transaction of
:meth:`~cockpit.store.imported.ImportStore.importing_run`. Several files are shards of one
run: a test found in two of them is kept once (its first file's result) and counted apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cockpit.child.cockpit_pytest_plugin import DEFAULT_CAPTURE_CAP
from cockpit.engine.events import CollectionError, Event, PhasesPassed, TestReport
from cockpit.engine.state import RunOutcome, RunState, module_of
from cockpit.imports import junit, reportlog
from cockpit.imports.facts import FileFacts, FormatError
from cockpit.imports.nodeids import NodeIdResolver
from cockpit.imports.sources import JUNIT, HashedFile, ResultFileError
from cockpit.imports.text import CheckoutPaths
from cockpit.store.imported import ImportedEnding, ImportedRunWriter, ImportSource
from cockpit.store.recorder import RowCollector
from cockpit.store.rows import CollectionErrorRecord, FailureRow, ResultRow
from cockpit.store.session_log import SessionLog

BATCH = 2000
"""Result rows per insert inside the import's transaction."""


@dataclass(frozen=True, slots=True)
class ImportRequest:
    files: tuple[Path, ...]
    project_root: Path
    """Where node ids resolve (JUnit) and relative tracebacks point."""
    shard: str | None = None
    """Which part of the suite the files are (``--shard``); None: the whole suite."""
    capture_cap: int = DEFAULT_CAPTURE_CAP


@dataclass(frozen=True, slots=True)
class ImportResult:
    run_id: int
    ending: ImportedEnding
    sources: tuple[ImportSource, ...]
    collection_errors: int
    guessed: int
    """Test names whose file is not in the project: their node ids are guesses."""
    overlapping: int
    """Tests found in more than one file: each kept once."""


def selection_reason(files: Sequence[Path], shard: str | None) -> str:
    """How the session log names an imported run's selection (``cockpit runs``, the export)."""
    names = ", ".join(path.name for path in files)
    source = names if len(files) == 1 else f"{len(files)} files ({names})"
    scope = f"shard {shard} of the suite" if shard else "the whole suite"
    return f"{scope}, imported from CI: {source}"


class _Importer:
    """One import's state: the run's counts, rows waiting to be written, the merge."""

    def __init__(self, request: ImportRequest, writer: ImportedRunWriter) -> None:
        self.request = request
        self.writer = writer
        self.state = RunState()
        self.rows = RowCollector(self.state, keep_failures=False)
        self.rows.rootdir = str(request.project_root)
        self.paths = CheckoutPaths(str(request.project_root))
        self._resolver: NodeIdResolver | None = None
        self.file_of: dict[str, int] = {}
        self.overlapping: set[str] = set()
        self._results: list[ResultRow] = []
        self._failures: list[FailureRow] = []
        self._errors: list[CollectionErrorRecord] = []

    @property
    def guessed(self) -> int:
        return len(self._resolver.guessed) if self._resolver is not None else 0

    @property
    def resolver(self) -> NodeIdResolver:
        if self._resolver is None:
            self._resolver = NodeIdResolver.of_project(self.request.project_root)
        return self._resolver

    def _localised(self, event: Event) -> Event:
        """``event`` with paths into the CI's checkout pointing into this project."""
        paths = self.paths
        if isinstance(event, TestReport) and event.longrepr:
            paths.learn(module_of(event.nodeid), event.longrepr)
            if paths.ci is None:
                return event
            crash = event.crash
            if crash is not None:
                crash = replace(crash, path=paths.rewrite(crash.path))
                crash = replace(crash, message=paths.rewrite(crash.message))
            return replace(event, longrepr=paths.rewrite(event.longrepr), crash=crash)
        if isinstance(event, CollectionError):
            paths.learn(event.file, event.longrepr)
            return replace(
                event, message=paths.rewrite(event.message), longrepr=paths.rewrite(event.longrepr)
            )
        return event

    def feed(self, batch: list[Event], file: int) -> None:
        """Apply one test's (or collector's) events, read from file number ``file``."""
        batch = [self._localised(event) for event in batch]
        nodeid = next((e.nodeid for e in batch if isinstance(e, TestReport | PhasesPassed)), None)
        if nodeid is not None:
            owner = self.file_of.setdefault(nodeid, file)
            if owner != file:
                self.overlapping.add(nodeid)
                return
        for event in batch:
            self.state.apply(event)
        results, failures, errors = self.rows.add(batch)
        self._results += results
        self._failures += failures
        self._errors += errors
        if len(self._results) >= BATCH:
            self.flush()

    def amend(self, batch: list[Event]) -> None:
        """A teardown error JUnit wrote apart from its test's failed call."""
        for event in batch:
            self.state.apply(event)
        self.flush()
        for event in batch:
            if isinstance(event, TestReport) and event.nodeid in self.rows.recorded:
                self.writer.amend_teardown(event.nodeid, event.category, event.duration)

    def flush(self) -> None:
        self.writer.write(self._results, self._failures, self._errors)
        self._results, self._failures, self._errors = [], [], []

    def read_junit(self, source: HashedFile, facts: FileFacts, file: int) -> None:
        cap, resolver = self.request.capture_cap, self.resolver
        for case in junit.read_cases(source, facts, cap):
            if junit.is_internal_error(case):
                facts.internal_error = True
            elif not case.classname:
                self.feed(junit.collector_events(case, resolver, cap), file)
            else:
                nodeid = resolver.nodeid(case.classname, case.name, case.file)
                again = self.file_of.get(nodeid) == file
                if again and junit.is_teardown_error_only(case):
                    self.amend(junit.case_events(case, nodeid, cap, continuation=True))
                    continue
                facts.tests += not again
                self.feed(junit.case_events(case, nodeid, cap), file)

    def read(self, source: HashedFile, file: int) -> FileFacts:
        facts = FileFacts(source.format)
        if source.format == JUNIT:
            self.read_junit(source, facts, file)
        else:
            for batch in reportlog.read_events(source, facts, self.request.capture_cap):
                self.feed(batch, file)
        return facts


def _outcome(state: RunState, facts: Iterable[FileFacts]) -> tuple[int, str]:
    """The run's exit code and outcome, as pytest would have ended it."""
    facts = list(facts)
    if any(fact.internal_error for fact in facts):
        return 3, str(RunOutcome.INTERNAL_ERROR)
    if any(not fact.finished or fact.exitstatus == 2 for fact in facts):
        return 2, str(RunOutcome.INTERRUPTED)
    if state.totals.failing or state.collection_errors:
        return 1, str(RunOutcome.FAILED)
    if not state.tests:
        return 5, str(RunOutcome.NO_TESTS)
    return 0, str(RunOutcome.PASSED)


def _ending(importer: _Importer, facts: Sequence[FileFacts], now: float) -> ImportedEnding:
    state, request = importer.state, importer.request
    starts = [fact.started_at for fact in facts if fact.started_at is not None]
    ends = [fact.ended_at for fact in facts if fact.ended_at is not None]
    started = min(starts, default=now)
    spent = sum(record.duration for record in state.tests.values())
    ended = max(ends, default=started + spent)
    exit_code, outcome = _outcome(state, facts)
    digest, modules = importer.rows.digests()
    return ImportedEnding(
        selection_reason=selection_reason(request.files, request.shard),
        whole_suite=request.shard is None,
        shard=request.shard,
        started_at=started,
        ended_at=max(ended, started),
        exit_code=exit_code,
        outcome=outcome,
        totals=importer.rows.totals(),
        results_digest=digest,
        module_digests=modules,
        pytest_version=next((fact.pytest_version for fact in facts if fact.pytest_version), ""),
        rootdir=str(request.project_root),
    )


def _check_distinct(files: Sequence[Path]) -> None:
    seen: dict[Path, Path] = {}
    for path in files:
        resolved = path.resolve()
        if resolved in seen:
            raise ResultFileError(f"{path} is given twice; give each result file once")
        seen[resolved] = path


def import_files(log: SessionLog, request: ImportRequest) -> ImportResult:
    """Read every file of ``request`` into one new run of ``log``: all of it, or (on any
    bad file, raised as :class:`ResultFileError`) nothing."""
    _check_distinct(request.files)
    sources: list[ImportSource] = []
    facts: list[FileFacts] = []
    with log.importing_run() as writer:
        importer = _Importer(request, writer)
        for index, path in enumerate(request.files):
            with HashedFile(path) as source:
                try:
                    fact = importer.read(source, index)
                except FormatError as error:
                    raise ResultFileError(f"{path} {error}; nothing was imported") from None
            facts.append(fact)
            sources.append(
                ImportSource(
                    path=str(path.resolve()),
                    format=source.format,
                    sha256=source.sha256,
                    tests=fact.tests,
                    hostname=fact.hostname,
                    ci_timestamp=fact.started_at,
                )
            )
        importer.flush()
        ending = _ending(importer, facts, log.clock())
        writer.finish(ending, sources)
    return ImportResult(
        run_id=writer.run_id,
        ending=ending,
        sources=tuple(sources),
        collection_errors=len(importer.state.collection_errors),
        guessed=importer.guessed,
        overlapping=len(importer.overlapping),
    )
