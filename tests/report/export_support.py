"""Helpers for the export tests: a Markdown structure check and small summaries."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block.table import escapedSplit
from markdown_it.token import Token

from cockpit.report.model import (
    Cluster,
    Comparison,
    Counts,
    FileDiff,
    FixReport,
    IsolationCheck,
    KnownIssueReport,
    LatestModule,
    LatestState,
    ModuleChange,
    ModuleStatus,
    ResolvedCluster,
    ResolvedError,
    RunInfo,
    SessionSummary,
    SlowTest,
)

PARSER = MarkdownIt("commonmark").enable("table")


def table_problems(markdown: str) -> list[str]:
    """Every table row whose cell count (as markdown-it-py splits it) is not its header's.

    markdown-it-py pads or cuts a row to the header's width when it renders, so the counts
    are taken from the source lines of each table it found, with its own splitter.
    """
    lines = markdown.splitlines()
    problems = []
    for token in PARSER.parse(markdown):
        if token.type != "table_open" or token.map is None:
            continue
        start, end = token.map
        widths = [len(escapedSplit(line.strip().strip("|"))) for line in lines[start:end]]
        problems += [
            f"line {start + index + 1}: {width} cells under {widths[0]} headers"
            for index, width in enumerate(widths)
            if width != widths[0]
        ]
    return problems


def tables(markdown: str) -> int:
    return sum(token.type == "table_open" for token in PARSER.parse(markdown))


def cell_texts(markdown: str) -> list[str]:
    """The text of every table cell, as a reader sees it (code spans and escapes resolved)."""
    texts: list[str] = []
    inside = False
    for token in PARSER.parse(markdown):
        if token.type in ("td_open", "th_open"):
            inside = True
        elif token.type in ("td_close", "th_close"):
            inside = False
        elif inside and token.type == "inline":
            texts.append(_text(token.children or []))
    return texts


def _text(children: list[Token]) -> str:
    return "".join(child.content for child in children if child.type in ("text", "code_inline"))


def html_tags(markdown: str) -> list[str]:
    """Raw HTML that markdown-it-py would pass through (there must be none)."""
    found = []
    for token in PARSER.parse(markdown):
        if token.type == "html_block":
            found.append(token.content)
        for child in token.children or []:
            if child.type == "html_inline":
                found.append(child.content)
    return found


def run(run_id: int, selection: str = "the whole suite", **counts: int) -> RunInfo:
    return RunInfo(
        id=run_id,
        selection=selection,
        whole_suite=selection == "the whole suite",
        outcome="failed",
        started_at=1_790_000_000.0 + 100 * run_id,
        ended_at=1_790_000_000.0 + 100 * run_id + 42.25,
        counts=Counts(**counts),
        collection_errors=0,
    )


def summary_with(name: str, module: str = "tests/test_a.py") -> SessionSummary:
    """A summary that puts ``name`` (a test id, a title, a message) in every section."""
    before, after = run(1, passed=1, failed=2), run(2, passed=2, failed=1)
    comparison = Comparison(1, 2, (name,), (name,), 0, (name,), (), 0)
    counts = Counts(passed=1, failed=1)
    return SessionSummary(
        id=1,
        title=name,
        started_at=1_790_000_000.0,
        ended_at=1_790_003_723.4,
        git_start=name,
        git_end=None,
        runs=(before, run(3, f"subset: {name}", passed=1), after),
        before=before,
        after=after,
        comparison=comparison,
        fixes=(
            FixReport(
                id=1,
                title=name,
                problem=name,
                root_cause=name,
                solution=name,
                files=(name, module),
                risk="low",
                before_run=before,
                evidence_run=after,
                comparison=comparison,
                modules=(ModuleChange(name, counts, counts, 1),),
                resolved=(ResolvedCluster(name, 1, 2),),
                errors_resolved=(ResolvedError(name, name),),
                new_passing=(name,),
                diffs=(
                    FileDiff(
                        name,
                        (f"--- a/{name}", f"+++ b/{name}", "@@ -1 +1 @@", f"-{name}", f"+{name}"),
                        None,
                        3,
                    ),
                    FileDiff(module, (), f"no diff: too large to keep ({name})"),
                ),
            ),
        ),
        known_issues=(
            KnownIssueReport(1, name, (name,), f"-k 'not {name}'", (name,), "high", name, "open"),
        ),
        notes=(name,),
        status_run=after,
        modules=(
            ModuleStatus(name, counts),
            ModuleStatus(module, Counts(passed=3)),
            ModuleStatus(f"{module}x", Counts(failed=3), name),
        ),
        clusters=(Cluster(name, 1, (("failed", 1),), (name,), name, name),),
        cluster_count=1,
        slow_tests=(SlowTest(name, 1.5, "passed"),),
        isolations=(IsolationCheck(name, "passes-alone", ("passed", "passed"), name, 2),),
        latest=LatestState(
            since_run=2,
            later_runs=(3,),
            totals=Counts(passed=4, failed=1),
            collection_errors=1,
            modules=(LatestModule(name, counts, (2, 3), name, 1),),
            other_modules=2,
        ),
        whole_suite_after_last_fix=False,
    )
