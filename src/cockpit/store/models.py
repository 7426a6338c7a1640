"""The session log's tables, as SQLAlchemy 2.x typed models.

Times are UTC epoch seconds (floats): portable across SQLite and PostgreSQL, exact, and
sortable. The result table is kept narrow (one row per test and run, primary key
``(run_id, nodeid)``, index ``(nodeid, run_id)``) and failure text lives in its own table,
because per-module counts and run-to-run diffs over 50,000 rows only read the narrow one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_APPLICATION = "cockpit"


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """One row naming the application: tells a cockpit database from any other."""

    __tablename__ = "cockpit_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class FixSession(Base):
    """A fix session: the unit a summary is exported for."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float, default=None)
    git_start: Mapped[str | None] = mapped_column(String(64), default=None)
    git_end: Mapped[str | None] = mapped_column(String(64), default=None)
    automatic_day: Mapped[str | None] = mapped_column(
        String(10), default=None, index=True, unique=True
    )
    """Set (YYYY-MM-DD) for the automatic session of a day; None for a started one."""


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    args: Mapped[list[str]] = mapped_column(JSON)
    selection_reason: Mapped[str] = mapped_column(String(500), default="")
    whole_suite: Mapped[bool] = mapped_column(Boolean, default=False)
    interpreter: Mapped[str] = mapped_column(String(1000), default="")
    pytest_version: Mapped[str] = mapped_column(String(64), default="")
    rootdir: Mapped[str] = mapped_column(String(1000), default="")
    started_at: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float, default=None)
    exit_code: Mapped[int | None] = mapped_column(Integer, default=None)
    outcome: Mapped[str] = mapped_column(String(32), default="running")
    recorder_pid: Mapped[int] = mapped_column(Integer, default=0)
    recorder_host: Mapped[str] = mapped_column(String(255), default="")
    collected: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    xfailed: Mapped[int] = mapped_column(Integer, default=0)
    xpassed: Mapped[int] = mapped_column(Integer, default=0)
    crashed_test: Mapped[str | None] = mapped_column(Text, default=None)
    results_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    """sha256 of the sorted node ids recorded for this run; equal digests let a diff
    compare only the failing tests. None when the run did not finish recording."""
    source_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    """A fingerprint of the project's files when the run started: a test whose outcome
    differs between two runs with the same digest is flaky. None when unknown."""
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"), default=None)
    """The project's files as the run saw them at its start (schema 0008); None before."""
    last_event_at: Mapped[float | None] = mapped_column(Float)
    """When the recorder last wrote a batch of this run: where a run whose cockpit died
    ends. None before schema 0010."""
    deselected: Mapped[int | None] = mapped_column(Integer)
    """Tests ``-k`` / ``-m`` / ``--deselect`` took out of the run; None before 0010.
    (These two have no Python default, so a new run's INSERT leaves them out.)"""


class Result(Base):
    """One test's outcome in one run (narrow: counts and diffs read only this)."""

    __tablename__ = "results"
    __table_args__ = (
        Index("ix_results_nodeid_run", "nodeid", "run_id"),
        Index("ix_results_run_module", "run_id", "module"),
        Index("ix_results_run_outcome", "run_id", "outcome"),
        Index("ix_results_run_duration", "run_id", "duration"),
    )

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    nodeid: Mapped[str] = mapped_column(Text, primary_key=True)
    module: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    setup: Mapped[str] = mapped_column(String(16), default="")
    call: Mapped[str] = mapped_column(String(16), default="")
    teardown: Mapped[str] = mapped_column(String(16), default="")
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    signature: Mapped[str | None] = mapped_column(Text, default=None)
    """The failure's error signature (exception and message), to tell a changed error."""
    root_key: Mapped[str | None] = mapped_column(Text, default=None)
    """The failure's root-cause cluster key (``Signature.key``); None for a passing test."""


class Failure(Base):
    """The text of one failing test in one run: message, traceback, captured output."""

    __tablename__ = "failures"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    nodeid: Mapped[str] = mapped_column(Text, primary_key=True)
    phase: Mapped[str] = mapped_column(String(16))
    crash_path: Mapped[str | None] = mapped_column(Text, default=None)
    crash_line: Mapped[int | None] = mapped_column(Integer, default=None)
    message: Mapped[str] = mapped_column(Text, default="")
    longrepr: Mapped[str] = mapped_column(Text, default="")
    stdout: Mapped[str | None] = mapped_column(Text, default=None)
    stderr: Mapped[str | None] = mapped_column(Text, default=None)
    log: Mapped[str | None] = mapped_column(Text, default=None)


class CollectionErrorRow(Base):
    __tablename__ = "collection_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    longrepr: Mapped[str] = mapped_column(Text, default="")
    lineno: Mapped[int | None] = mapped_column(Integer, default=None)
    """The line of the module where collecting it failed (None when unknown, or before 0010)."""
    kind: Mapped[str | None] = mapped_column(String(16), default=None)
    """None for a test module (every row before schema 0011), ``conftest`` (``path`` is
    the folder it blocks) or ``plugin``."""
    source: Mapped[str | None] = mapped_column(Text, default=None)
    """The conftest's path or the plugin's name."""


class Fix(Base):
    __tablename__ = "fixes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    problem: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    solution: Mapped[str] = mapped_column(Text, default="")
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    risk: Mapped[str] = mapped_column(String(16), default="low")
    created_at: Mapped[float] = mapped_column(Float)
    before_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), default=None)
    evidence_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), default=None)


class KnownIssue(Base):
    __tablename__ = "known_issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    tests: Mapped[list[str]] = mapped_column(JSON, default=list)
    workaround: Mapped[str | None] = mapped_column(Text, default=None)
    deselected: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Exactly the tests the workaround deselects, from a collect-only run."""
    priority: Mapped[str] = mapped_column(String(16), default="medium")
    effort: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[float] = mapped_column(Float)


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


class Isolation(Base):
    """One ``cockpit isolate`` verdict: a failing test rerun alone in fresh processes."""

    __tablename__ = "isolations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), default=None)
    """The run in which the test failed (the one whose order a bisection replays)."""
    nodeid: Mapped[str] = mapped_column(Text, index=True)
    verdict: Mapped[str] = mapped_column(String(32))
    """``fails-alone``, ``passes-alone`` (order-dependent) or ``flaky``."""
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The outcome of each repeat alone, in order."""
    polluter: Mapped[str | None] = mapped_column(Text, default=None)
    """For an order-dependent test, the earlier test that breaks it, when bisected."""
    created_at: Mapped[float] = mapped_column(Float)


class RunModule(Base):
    """Which tests one run recorded in one module, as a digest (see ``module_digests``).

    Two runs whose digests agree for a module ran the same tests there, so a diff needs
    only the module's failing tests; a run without rows here predates the table.
    """

    __tablename__ = "run_modules"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    module: Mapped[str] = mapped_column(Text, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    """sha256 of the module's sorted node ids in this run."""
    tests: Mapped[int] = mapped_column(Integer)
    outcomes: Mapped[dict[str, int] | None] = mapped_column(JSON(none_as_null=True), default=None)
    """Tests per outcome other than passed (``{"failed": 3}``); None before schema 0007."""


class Snapshot(Base):
    """The project's source files as one or more runs saw them (see ``snapshot_files``)."""

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_manifest", "manifest", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manifest: Mapped[str] = mapped_column(String(64))
    """sha256 of the sorted (path, digest) list: runs that saw the same files share it."""
    files: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)


class SnapshotFile(Base):
    """One file of a snapshot: its content's digest, and the stat it was read with."""

    __tablename__ = "snapshot_files"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"), primary_key=True)
    path: Mapped[str] = mapped_column(Text, primary_key=True)
    """Relative to the project root, with forward slashes."""
    digest: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)


class FileContent(Base):
    """A file's content, once per digest, zlib-compressed; ``data`` is None over the cap."""

    __tablename__ = "file_contents"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    """The content's size in bytes, before compression."""
    data: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)


class RunImport(Base):
    """One result file an imported run was read from (several for merged CI shards).

    A run with rows here was imported (``cockpit import``); a run without was run by
    cockpit. Kept out of ``runs`` so that a current cockpit reads and writes runs in a log
    at an older revision unchanged.
    """

    __tablename__ = "run_imports"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    """The file's place on the command line, from 0."""
    path: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    """``junit-xml`` or ``report-log``."""
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    """Of the file's bytes: the same file is never imported twice."""
    hostname: Mapped[str | None] = mapped_column(String(255), default=None)
    ci_timestamp: Mapped[float | None] = mapped_column(Float, default=None)
    """When the CI's pytest started, as the file says (UTC epoch seconds)."""
    tests: Mapped[int] = mapped_column(Integer)
    """How many tests the file reported."""
    shard: Mapped[str | None] = mapped_column(String(100), default=None)
    """Which part of the suite the run holds (``2/4``, from ``--shard``); None when the
    files together are the whole suite."""


class RunNoticeRow(Base):
    """One thing said of a run beyond its counts (see ``engine.ending.RunNotice``)."""

    __tablename__ = "run_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    """``left-running``, ``interrupted-tests`` or ``skipped-lines``."""
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The notice's data: ``{"pids": [...]}``, ``{"tests": [{"nodeid", "seconds"}]}``,
    ``{"count": N}``."""


class Regression(Base):
    """A root cause of one run made of tests that passed before and fail after files changed
    (schema 0009): its results carry ``root_key``; the files and functions that changed."""

    __tablename__ = "regressions"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    root_key: Mapped[str] = mapped_column(Text, primary_key=True)
    tests: Mapped[int] = mapped_column(Integer)
    since_runs: Mapped[list[int]] = mapped_column(JSON)
    """The runs in which these tests last passed."""
    files: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    """``[{"path", "functions", "line", "kept"}]``: the changed files, in order."""


class RunStart(Base):
    """How a run's pytest process started: ``warm`` (a fork of the warm server) or
    ``cold`` (a fresh interpreter), and why. Runs before schema 0012 have no row."""

    __tablename__ = "run_starts"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(500))


class CallFunction(Base):
    """A function of the project, interned for the call map (schema 0013)."""

    __tablename__ = "call_functions"
    __table_args__ = (UniqueConstraint("path", "qualname", name="uq_call_functions_path_qualname"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    qualname: Mapped[str] = mapped_column(Text)


class CallMapEntry(Base):
    """What one test executed when a traced run last ran it (schema 0013)."""

    __tablename__ = "call_map"
    __table_args__ = (Index("ix_call_map_test_file", "test_file"),)

    nodeid: Mapped[str] = mapped_column(Text, primary_key=True)
    test_file: Mapped[str] = mapped_column(Text)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    complete: Mapped[bool] = mapped_column(Boolean)
    files: Mapped[bytes] = mapped_column(LargeBinary)
    """zlib-compressed JSON: file -> the digest the test saw."""
    functions: Mapped[bytes] = mapped_column(LargeBinary)
    """zlib-compressed JSON: the ids of the functions it entered."""


class CallOutside(Base):
    """A function seen running outside any test: its change counts as module-level."""

    __tablename__ = "call_outside"

    function_id: Mapped[int] = mapped_column(ForeignKey("call_functions.id"), primary_key=True)


class CallTestFile(Base):
    """Every test of a test file, as a traced run that ran the file whole saw it."""

    __tablename__ = "call_test_files"

    test_file: Mapped[str] = mapped_column(Text, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    digest: Mapped[str] = mapped_column(String(64))
    nodeids: Mapped[bytes] = mapped_column(LargeBinary)
    """zlib-compressed JSON list of node ids."""


class CallTracedFile(Base):
    """A file whose every function call traced runs see (schema 0013)."""

    __tablename__ = "call_traced_files"

    path: Mapped[str] = mapped_column(Text, primary_key=True)
