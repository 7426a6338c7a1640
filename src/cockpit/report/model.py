"""The session summary as plain, typed, immutable records. Pure.

Records are ``NamedTuple``s, not dataclasses: importing ``dataclasses`` (and ``inspect``
with it) costs ~15 ms, a fifth of the whole budget of ``cockpit export`` on a 50,000-result
session (see ``bench/bench_export.py``). They are just as typed and just as frozen.

Every figure is a count taken from recorded runs; nothing here is estimated. A run's
``selection`` says whether it ran the whole suite or which subset, so that no figure from
a subset run can be read as a whole-suite figure.
"""

from __future__ import annotations

from typing import NamedTuple

from cockpit.suite.model import FAILING, Counts

STOPPED = ("conftest-error", "plugin-error")
"""Run outcomes of a run pytest stopped before any test (a conftest or plugin failed)."""

__all__ = ["FAILING", "Counts"]  # re-exported: the report's records are built on them


class RunInfo(NamedTuple):
    """One recorded run, with its totals counted from its result rows."""

    id: int
    selection: str
    """``the whole suite`` or ``subset: <paths and options>``, as recorded."""
    whole_suite: bool
    outcome: str
    started_at: float
    ended_at: float | None
    counts: Counts
    collection_errors: int

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at


class ModuleStatus(NamedTuple):
    """One module's counts in one run; ``import_error`` when it failed to collect."""

    module: str
    counts: Counts
    import_error: str | None = None


class ModuleChange(NamedTuple):
    """A module's counts in the run before a fix and in the run that proved it."""

    module: str
    before: Counts
    after: Counts
    flipped: int
    """Tests of this module that failed before and pass (or skip, xfail) after."""
    new_passing: int = 0
    """Tests passing after that the before run could not have run (see ``FixReport``)."""
    imports_again: bool = False
    """The module did not import in the before run and does in the evidence run."""


class ResolvedCluster(NamedTuple):
    """A root cause whose failing tests a fix turned to pass."""

    key: str
    flipped: int
    size: int
    """How many tests failed with this root cause in the run before the fix."""


class Comparison(NamedTuple):
    """Two runs compared test by test: only tests recorded in both can be fixed or broken."""

    before_run: int
    after_run: int
    fixed: tuple[str, ...]
    changed_error: tuple[str, ...]
    """Failing in both runs, with a different error: never counted as fixed."""
    still_failing: int
    broken: tuple[str, ...]
    new_failing: tuple[str, ...]
    """Failing in the later run and absent from the earlier (whole-suite) one."""
    gone: int
    """Failing in the earlier run and absent from the later one (removed, or not selected)."""


class ResolvedError(NamedTuple):
    """A module that did not import in a fix's before run and is collected in its evidence."""

    module: str
    message: str
    """The first line of the collection error it had."""


class FileDiff(NamedTuple):
    """One file of a fix's change: its unified diff from the before run's content to the
    evidence run's, or why there is none."""

    path: str
    lines: tuple[str, ...]
    """The unified diff, line by line (no line ends); empty when ``note`` says why."""
    note: str | None = None
    hidden: int = 0
    """Diff lines left out past ``DIFF_LINES``."""


class FixReport(NamedTuple):
    id: int
    title: str
    problem: str
    root_cause: str
    solution: str
    files: tuple[str, ...]
    risk: str
    before_run: RunInfo | None
    evidence_run: RunInfo | None
    """The first run after the fix that ran a test failing before it; None until then."""
    comparison: Comparison | None
    modules: tuple[ModuleChange, ...]
    resolved: tuple[ResolvedCluster, ...]
    errors_resolved: tuple[ResolvedError, ...] = ()
    new_passing: tuple[str, ...] = ()
    """Tests passing in the evidence run that the before run could not have run (in a module
    that did not import there, or anywhere when it ran the whole suite)."""
    diffs: tuple[FileDiff, ...] = ()


class Cluster(NamedTuple):
    """Failures of one run that share a root cause (``results.root_key``)."""

    key: str
    size: int
    outcomes: tuple[tuple[str, int], ...]
    modules: tuple[str, ...]
    example_test: str
    example_message: str
    known_tests: tuple[str, ...] = ()
    """Its tests that an open known issue of the session names."""
    raised_in: str | None = None
    """The example's innermost frame inside the project."""
    example_traceback: str = ""
    """The end of the example's traceback, library frames folded (whole frames only)."""


class SetupError(NamedTuple):
    """A conftest or plugin that failed to import in one or more runs of the session."""

    kind: str
    """``conftest`` or ``plugin``."""
    source: str
    """The conftest's path or the plugin's name."""
    folder: str
    """What it blocked: the conftest's folder (``tests/``), or the plugin."""
    message: str
    runs: tuple[int, ...]
    stopped_pytest: bool
    """It stopped pytest before any test (``conftest-error`` / ``plugin-error`` runs)."""
    in_last_run: bool
    raised_in: str | None
    traceback: str
    """The latest occurrence's traceback, library frames folded."""


class KnownIssueReport(NamedTuple):
    id: int
    title: str
    tests: tuple[str, ...]
    workaround: str | None
    deselected: tuple[str, ...]
    """Exactly what the workaround deselects, from cockpit's collect-only check."""
    priority: str
    effort: str
    status: str


class IsolationCheck(NamedTuple):
    """A failing test rerun alone (``cockpit isolate``): its latest verdict in the session."""

    nodeid: str
    verdict: str
    """``fails-alone`` (a real failure), ``passes-alone`` (order-dependent) or ``flaky``."""
    outcomes: tuple[str, ...]
    """The outcome of each repeat alone, in order."""
    polluter: str | None
    """For an order-dependent test, the earlier test bisection found to break it."""
    run_id: int | None
    """The run the test failed in."""


VERDICT_ORDER = ("passes-alone", "flaky", "fails-alone")
"""How the export lists verdicts: order-dependent tests first, the surprises."""


class SlowTest(NamedTuple):
    nodeid: str
    duration: float
    outcome: str


class LatestModule(NamedTuple):
    """A module in the latest known state: its counts and the runs they come from."""

    module: str
    counts: Counts
    runs: tuple[int, ...]
    import_error: str | None = None
    known: int = 0


class LatestState(NamedTuple):
    """The suite as last seen: the status run with every later run merged in, test by test
    (each test keeps the result of the run that last ran it)."""

    since_run: int | None
    """The whole-suite run the later runs are merged onto; None when the session has no
    finished whole-suite run (then every run is merged, oldest first)."""
    later_runs: tuple[int, ...]
    totals: Counts
    collection_errors: int
    modules: tuple[LatestModule, ...]
    """The modules whose results come (partly) from a later run; every module when there
    is no ``since_run``."""
    other_modules: int
    """Modules still as in ``since_run``."""


class SessionSummary(NamedTuple):
    """Everything ``cockpit export`` writes, in the order it writes it."""

    id: int
    title: str
    started_at: float
    ended_at: float | None
    git_start: str | None
    git_end: str | None
    runs: tuple[RunInfo, ...]
    before: RunInfo | None
    """The session's first whole-suite run, or the last one before the session."""
    after: RunInfo | None
    """The session's last whole-suite run (None when it has none, or only ``before``)."""
    comparison: Comparison | None
    fixes: tuple[FixReport, ...]
    known_issues: tuple[KnownIssueReport, ...]
    notes: tuple[str, ...]
    status_run: RunInfo | None
    """The run the status tables, failure patterns and slow tests come from: ``after``,
    else the session's last run (which then says it is a subset)."""
    modules: tuple[ModuleStatus, ...]
    clusters: tuple[Cluster, ...]
    """The largest root causes of ``status_run`` (at most ``TOP_CLUSTERS``)."""
    cluster_count: int
    slow_tests: tuple[SlowTest, ...]
    isolations: tuple[IsolationCheck, ...] = ()
    """One per test checked alone in the session (its latest check), ``VERDICT_ORDER``."""
    latest: LatestState | None = None
    whole_suite_after_last_fix: bool | None = None
    """Whether a finished whole-suite run came after the last fix's change (its evidence run
    counts when it ran the whole suite); None when no fix was logged."""
    setup_errors: tuple[SetupError, ...] = ()
    """Conftests and plugins that failed to import in the session's runs."""

    @property
    def open_known_issues(self) -> tuple[KnownIssueReport, ...]:
        return tuple(issue for issue in self.known_issues if issue.status == "open")


TOP_CLUSTERS = 10
EXAMPLES = 3
"""The largest root causes whose example traceback the summary shows."""
EXAMPLE_LINES = 20
SLOW_TESTS = 10
DIFF_LINES = 200
"""Lines of a fix's diff shown per file; the rest is counted."""
MOSTLY_PASSING = 0.5
"""A module with failures is "mostly passing" when at least this share of its tests pass."""
