"""The summary's sections about the suite: its status tables, the remaining failure
patterns, isolation checks, known issues, slow tests, before/after metrics, next priorities
and every run. Pure: Markdown lines from the :class:`SessionSummary`."""

from __future__ import annotations

from collections.abc import Sequence

from cockpit.report.figures import listing, plural, rate, run_label, signed, span, when
from cockpit.report.markup import cell, code, fenced, table, text
from cockpit.report.model import (
    MOSTLY_PASSING,
    STOPPED,
    Cluster,
    KnownIssueReport,
    ModuleStatus,
    SessionSummary,
)


def status_section(summary: SessionSummary) -> list[str]:
    run = summary.status_run
    lines = ["## Test suite status", ""]
    if run is None:
        return [*lines, "No run was recorded in this session.", ""]
    if run.outcome in STOPPED:
        lines += [
            f"From {run_label(run)}, the last run: **pytest stopped before running any test** "
            f"({text(run.outcome)}: a conftest or plugin failed to import, see below).",
            "",
        ]
    elif run.whole_suite:
        lines += [f"From {run_label(run)}, the last whole-suite run.", ""]
    else:
        lines += [
            f"From {run_label(run)}, the last run: **a subset**, so these tables cover only "
            "the tests it selected.",
            "",
        ]
    full, mostly, failing = [], [], []
    for status in summary.modules:
        counts = status.counts
        if status.import_error is None and counts.failing == 0:
            full.append(status)
        elif status.import_error is None and counts.passed >= MOSTLY_PASSING * counts.tests:
            mostly.append(status)
        else:
            failing.append(status)
    lines += [f"### Fully passing modules ({len(full)})", ""]
    if full:
        lines += table(
            ("Module", "Tests", "Passed", "Skipped", "xfailed"),
            (
                (
                    cell(s.module),
                    str(s.counts.tests),
                    str(s.counts.passed),
                    str(s.counts.skipped),
                    str(s.counts.xfailed),
                )
                for s in full
            ),
        )
    else:
        lines.append("None.")
    lines += ["", f"### Mostly passing modules ({len(mostly)})", ""]
    if mostly:
        lines += _module_table(mostly)
    else:
        lines.append("None.")
    lines += ["", f"### Failing modules ({len(failing)})", ""]
    if failing:
        lines += _module_table(failing)
    else:
        lines.append("None.")
    return [*lines, ""]


def _module_table(statuses: list[ModuleStatus]) -> list[str]:
    return table(
        ("Module", "Passed", "Tests", "Pass rate", "Failed", "Errors", "Skipped", "Note"),
        (
            (
                cell(s.module),
                str(s.counts.passed),
                str(s.counts.tests),
                rate(s.counts.passed, s.counts.tests),
                str(s.counts.failed + s.counts.crashed),
                str(s.counts.errors),
                str(s.counts.skipped),
                f"does not import: {cell(s.import_error)}" if s.import_error else "-",
            )
            for s in statuses
        ),
    )


def _runs_named(ids: tuple[int, ...]) -> str:
    return ("run " if len(ids) == 1 else "runs ") + ", ".join(map(str, ids))


def _latest_intro(summary: SessionSummary, figures: str) -> str:
    """What the latest known state merges, and its figures."""
    latest = summary.latest
    assert latest is not None
    since, merged = latest.since_run, latest.later_runs
    if since is not None:
        after = "the run" if len(merged) == 1 else f"the {len(merged)} runs"
        return (
            f"Run {since} with {after} after it ({_runs_named(merged)}) merged in, each test "
            f"as the run that last ran it: {figures}."
        )
    ids = {run.id for run in summary.runs}
    outside = [run_id for run_id in merged if run_id not in ids]
    where = (
        f", from run {outside[0]}, the last whole-suite run before the session" if outside else ""
    )
    what = (
        f"that of {_runs_named(merged)}{where}"
        if len(merged) == 1
        else f"{_runs_named(merged)} merged{where}, each test as the run that last ran it"
    )
    return (
        f"No whole-suite run finished in this session, so the latest known state is {what}: "
        f"{figures}."
    )


def latest_section(summary: SessionSummary) -> list[str]:
    """The suite as last seen: the status run with the later runs merged, test by test."""
    latest = summary.latest
    if latest is None:
        return []
    lines = ["## Latest known state", ""]
    totals = latest.totals
    known = sum(module.known for module in latest.modules)
    figures = (
        f"**{totals.passed} of {totals.tests} tests passing "
        f"({rate(totals.passed, totals.tests)})**, {totals.failing} failing"
        + (
            f", {plural(latest.collection_errors, 'module')} not importable"
            if latest.collection_errors
            else ""
        )
        + (f", {known} of the failing in known issues" if known else "")
    )
    since = latest.since_run
    if since is not None and not latest.later_runs:
        return [*lines, f"No run came after run {since}: the status above is the latest.", ""]
    lines.append(_latest_intro(summary, figures))
    lines.append("")
    lines += table(
        ("Module", "Passed", "Tests", "Pass rate", "Failing", "Skipped", "From", "Note"),
        (
            (
                cell(m.module),
                str(m.counts.passed),
                str(m.counts.tests),
                rate(m.counts.passed, m.counts.tests),
                str(m.counts.failing),
                str(m.counts.skipped),
                _runs_named(m.runs),
                f"does not import: {cell(m.import_error)}" if m.import_error else "-",
            )
            for m in latest.modules
        ),
    )
    if since is not None and latest.other_modules:
        lines += ["", f"The other {plural(latest.other_modules, 'module')}: as in run {since}."]
    return [*lines, ""]


def patterns_section(summary: SessionSummary) -> list[str]:
    run = summary.status_run
    lines = ["## Remaining failure patterns", ""]
    if run is None:
        return []
    if not summary.clusters and run.outcome in STOPPED:
        return [*lines, f"No test ran in {run_label(run)}: pytest stopped before them.", ""]
    if not summary.clusters:
        return [*lines, f"No test failed in {run_label(run)}.", ""]
    shown = len(summary.clusters)
    lines += [
        f"{plural(summary.cluster_count, 'root cause')} in {run_label(run)}"
        + (f"; the {shown} largest:" if shown < summary.cluster_count else ":"),
        "",
    ]
    lines += table(
        ("Tests", "Root cause", "Outcomes", "Modules", "Example"),
        (
            (
                str(cluster.size),
                cell(cluster.key),
                ", ".join(f"{count} {outcome}" for outcome, count in cluster.outcomes),
                str(len(cluster.modules)),
                cell(cluster.example_test)
                + (f": {cell(cluster.example_message)}" if cluster.example_message else "")
                + (f", raised in {cell(cluster.raised_in)}" if cluster.raised_in else ""),
            )
            for cluster in summary.clusters
        ),
    )
    examples = [cluster for cluster in summary.clusters if cluster.example_traceback]
    for number, cluster in enumerate(examples, 1):
        lines += ["", f"### Example {number}: {code(cluster.key)}", ""]
        lines += [f"{code(cluster.example_test)}, library frames folded:", ""]
        lines += fenced(cluster.example_traceback.splitlines(), "text")
    return [*lines, ""]


_VERDICT_WORDS = {
    "passes-alone": "passes alone: order-dependent, something earlier in its run breaks it",
    "flaky": "flaky: differed between repeats alone",
    "fails-alone": "fails alone: a real failure",
}


def setup_errors_section(summary: SessionSummary) -> list[str]:
    """Conftests and plugins that failed to import: they hide every test they block, so
    they come before the remaining failure patterns. Nothing when there were none."""
    if not summary.setup_errors:
        return []
    lines = ["## Conftest and plugin errors", ""]
    for error in summary.setup_errors:
        what = "conftest" if error.kind == "conftest" else "plugin"
        runs = ("runs " if len(error.runs) > 1 else "run ") + ", ".join(map(str, error.runs))
        effect = (
            "pytest stopped before running any test"
            if error.stopped_pytest
            else f"no test under {code(error.folder)} was collected"
        )
        state = "still failing in the last run" if error.in_last_run else "not in the last run"
        lines += [
            f"### The {what} {code(error.source)} failed to import",
            "",
            f"- **Error**: {code(error.message)}"
            + (f", raised in {code(error.raised_in)}" if error.raised_in else ""),
            f"- **Effect**: {effect} ({runs}); {state}",
            "",
            *fenced(error.traceback.splitlines(), "text"),
            "",
        ]
    return lines


def isolations_section(summary: SessionSummary) -> list[str]:
    """What rerunning failing tests alone settled (``cockpit isolate``); nothing if none."""
    checks = summary.isolations
    if not checks:
        return []
    counts: dict[str, int] = {}
    for check in checks:
        counts[check.verdict] = counts.get(check.verdict, 0) + 1
    lines = [
        "## Isolation checks",
        "",
        f"{plural(len(checks), 'failing test')} rerun alone in fresh processes "
        "(`cockpit isolate`), the latest check of each:",
        "",
    ]
    lines += [
        f"- {counts[verdict]} {_VERDICT_WORDS.get(verdict, text(verdict))}"
        for verdict in sorted(counts, key=lambda verdict: (-counts[verdict], verdict))
    ]
    lines.append("")
    lines += table(
        ("Test", "Verdict", "Alone", "Broken by", "Failed in"),
        (
            (
                cell(check.nodeid),
                text(check.verdict),
                ", ".join(text(outcome) for outcome in check.outcomes),
                cell(check.polluter) if check.polluter else "-",
                f"run {check.run_id}" if check.run_id is not None else "-",
            )
            for check in checks
        ),
    )
    return [*lines, ""]


def known_issues_section(summary: SessionSummary) -> list[str]:
    lines = ["## Known issues", ""]
    if not summary.known_issues:
        return [*lines, "None recorded in this session (`cockpit known add`).", ""]
    for number, issue in enumerate(summary.known_issues, 1):
        lines += [f"### {number}. {text(issue.title)} ({text(issue.status)})", ""]
        lines.append(f"- **Tests** ({len(issue.tests)}): {listing(issue.tests)}")
        if issue.workaround:
            lines.append(
                f"- **Workaround**: {code(issue.workaround)}, verified by a collect-only run: "
                f"it deselects {plural(len(issue.deselected), 'test')}: "
                + (listing(issue.deselected) or "none")
            )
        else:
            lines.append("- **Workaround**: none")
        lines.append(f"- **Effort**: {text(issue.effort) if issue.effort else 'not estimated'}")
        lines.append(f"- **Priority**: {text(issue.priority)}")
        lines.append("")
    return lines


def slow_section(summary: SessionSummary) -> list[str]:
    run = summary.status_run
    if run is None:
        return []
    lines = ["## Slow tests", ""]
    if not summary.slow_tests:
        return [*lines, f"{run_label(run)} recorded no test.", ""]
    lines += [f"The slowest tests of {run_label(run)}:", ""]
    lines += table(
        ("Test", "Duration", "Outcome"),
        ((cell(t.nodeid), f"{t.duration:.3f} s", text(t.outcome)) for t in summary.slow_tests),
    )
    return [*lines, ""]


_METRICS = (
    ("Tests", "tests"),
    ("Passed", "passed"),
    ("Failed", "failed"),
    ("Errors", "errors"),
    ("Crashed", "crashed"),
    ("Skipped", "skipped"),
    ("xfailed", "xfailed"),
    ("xpassed", "xpassed"),
)


def metrics_section(summary: SessionSummary) -> list[str]:
    lines = ["## Before / after metrics", ""]
    runs = [run for run in (summary.before, summary.after) if run is not None]
    if not runs:
        return [*lines, "No whole-suite run to measure.", ""]
    paired = len(runs) == 2
    header = ["Metric", *(run_label(run) for run in runs), *(["Change"] if paired else [])]
    rows = []
    for label, values in (
        *((label, [int(getattr(run.counts, name)) for run in runs]) for label, name in _METRICS),
        ("Modules not importable", [run.collection_errors for run in runs]),
    ):
        change = [signed(values[1] - values[0])] if paired else []
        rows.append([label, *map(str, values), *change])
    rows.append(
        [
            "Pass rate",
            *(rate(run.counts.passed, run.counts.tests) for run in runs),
            *(["-"] if paired else []),
        ]
    )
    rows.append(
        [
            "Run time",
            *(span(run.duration) if run.duration is not None else "-" for run in runs),
            *(["-"] if paired else []),
        ]
    )
    lines += table(header, rows)
    return [*lines, ""]


def priorities_section(summary: SessionSummary) -> list[str]:
    """Open known issues first, by priority; then the largest root causes, each said once:
    one made only of known issues' tests is said under its issue, not again as a cause."""
    lines = ["## Next priorities", ""]
    order = {"high": 0, "medium": 1, "low": 2}
    issues = sorted(
        summary.open_known_issues, key=lambda issue: (order.get(issue.priority, 3), issue.id)
    )
    known_only = [c for c in summary.clusters if c.known_tests and len(c.known_tests) == c.size]
    items = [_known_issue_item(issue, known_only) for issue in issues]
    causes = [cluster for cluster in summary.clusters if cluster not in known_only]
    items += [_cause_item(cluster) for cluster in causes[:3]]
    items += [
        f"Test pollution: {cell(check.polluter)} breaks {cell(check.nodeid)} (it passes alone)"
        for check in summary.isolations
        if check.verdict == "passes-alone" and check.polluter
    ]
    if not items:
        return [*lines, "Nothing open: no known issue and no failing test.", ""]
    lines += [f"{number}. {item}" for number, item in enumerate(items, 1)]
    return [*lines, ""]


def _known_issue_item(issue: KnownIssueReport, known_only: Sequence[Cluster]) -> str:
    item = (
        f"Known issue, {text(issue.priority)} priority: {text(issue.title)} "
        f"({plural(len(issue.tests), 'test')}"
        + (f", effort {text(issue.effort)})" if issue.effort else ")")
    )
    named = set(issue.tests)
    keys = [code(c.key) for c in known_only if named.intersection(c.known_tests)]
    return item + (f"; they fail with {', '.join(keys)}" if keys else "")


def _cause_item(cluster: Cluster) -> str:
    unknown = cluster.size - len(cluster.known_tests)
    item = f"{plural(unknown, 'test')} failing with {code(cluster.key)}"
    known = len(cluster.known_tests)
    return item + (
        f" (and {plural(known, 'test')} listed above under a known issue)" if known else ""
    )


def runs_section(summary: SessionSummary) -> list[str]:
    if not summary.runs:
        return []
    lines = ["## Runs", ""]
    lines += table(
        (
            "Run",
            "Started",
            "Selection",
            "Outcome",
            "Tests",
            "Passed",
            "Failing",
            "Not importable",
            "Duration",
        ),
        (
            (
                str(run.id),
                when(run.started_at),
                text(run.selection),
                text(run.outcome),
                str(run.counts.tests),
                str(run.counts.passed),
                str(run.counts.failing),
                str(run.collection_errors),
                span(run.duration) if run.duration is not None else "-",
            )
            for run in summary.runs
        ),
    )
    return [*lines, ""]
