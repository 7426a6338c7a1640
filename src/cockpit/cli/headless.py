"""The headless front end of ``cockpit run``: a rich live view and a final summary.

The live view is rebuilt only when rich refreshes it (4 times a second), never per
event: the display must not compete with the pytest child for the machine's cores.
Without a terminal (CI, pipes) it degrades to one line per failure and a summary. Every
text that came from the child is passed through :func:`visible` first: a test's
``ESC[2J`` is shown, never obeyed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from cockpit.engine.display import shorten_left, visible
from cockpit.engine.ending import RunResult, skipped_lines_notice
from cockpit.engine.events import CollectionError, Event, TestReport
from cockpit.engine.state import ModuleTally, RunOutcome, RunState
from cockpit.engine.summary import summary_line
from cockpit.rootcause.clusters import (
    ERROR_OUTCOMES,
    Clusterer,
    error_outcome,
    with_regressions,
)
from cockpit.rootcause.folding import fold_traceback
from cockpit.rootcause.regression import RegressionGroup
from cockpit.store.evidence import ProjectSources, fill_evidence

if TYPE_CHECKING:
    from cockpit.rootcause.clusters import Cluster

STATUS_STYLE = {
    "failing": ("FAIL", "bold red"),
    "collection error": ("COLL", "bold red"),
    "conftest error": ("CONF", "bold red"),
    "running": ("RUN", "yellow"),
    "partial": ("PART", "cyan"),
    "not run": ("--", "dim"),
    "passed": ("PASS", "green"),
}


def _sort_key(tally: ModuleTally) -> tuple[int, int, str]:
    """Failures first, then what is running, then the rest by path."""
    order = {"conftest error": 0, "collection error": 0, "failing": 0, "running": 1}
    order.update({"partial": 2, "not run": 3})
    return (order.get(tally.status, 4), -tally.totals.failing, tally.path)


# Short headers, so the module names keep the width on an 80-column terminal.
COUNT_COLUMNS = ("pass", "fail", "err", "skip", "xf", "left")
FIXED_WIDTH = 52  # everything but the module column, at four-digit counts


def module_table(
    state: RunState, limit: int | None = None, title: str | None = None, width: int = 80
) -> Table:
    """Modules, failures first. Counts are pytest's categories; ``left`` is not run yet."""
    table = Table(title=title, expand=False, show_edge=False, pad_edge=False)
    table.add_column("", no_wrap=True)
    table.add_column("module", no_wrap=True)
    for name in COUNT_COLUMNS:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    room = max(16, width - FIXED_WIDTH)
    tallies = sorted(state.modules.values(), key=_sort_key)
    shown = tallies if limit is None else tallies[:limit]
    for tally in shown:
        mark, style = STATUS_STYLE.get(tally.status, ("", ""))
        totals = tally.totals
        table.add_row(
            Text(mark, style=style),
            escape(shorten_left(visible(tally.path), room)),
            str(totals.passed or ""),
            Text(str(totals.failed or ""), style="red"),
            Text(str(totals.errors or ""), style="red"),
            str(totals.skipped or ""),
            str(totals.xfailed + totals.xpassed or ""),
            str(tally.not_run or ""),
            f"{tally.duration:.2f}s",
        )
    hidden = len(tallies) - len(shown)
    if hidden:
        table.caption = f"... and {hidden} more modules"
    return table


def totals_text(state: RunState) -> Text:
    totals = state.totals
    text = Text()
    for count, word, style in (
        (totals.passed, "passed", "green"),
        (totals.failed, "failed", "bold red"),
        (totals.errors, "errors", "bold red"),
        (totals.skipped, "skipped", "yellow"),
        (totals.xfailed, "xfailed", "yellow"),
        (totals.xpassed, "xpassed", "yellow"),
    ):
        if count:
            text.append(f"{count} {word}", style=style).append("  ")
    return text


class LiveView:
    """What the terminal shows while a run goes on."""

    def __init__(self, console: Console, state: RunState, args: tuple[str, ...]) -> None:
        self.console = console
        self.state = state
        self.args = args
        self.started = time.monotonic()

    def __rich__(self) -> RenderableType:
        state = self.state
        elapsed = time.monotonic() - self.started
        session = state.session
        where = f"pytest {session.pytest_version} in {session.rootdir}" if session else "starting"
        if session and session.workers:
            where += f" ({session.workers} workers)"
        header = Text.assemble(
            ("cockpit ", "bold"),
            (visible(where), "dim"),
            (visible("  " + " ".join(self.args)), "italic"),
        )
        done, total = state.finished, max(state.collected, 1)
        progress = Table.grid(padding=(0, 1))
        progress.add_row(
            ProgressBar(total=total, completed=done, width=40),
            Text(f"{done}/{state.collected}"),
            Text(f"{elapsed:5.1f}s", style="dim"),
            totals_text(state),
        )
        rows = max(3, self.console.size.height - 8)
        return Group(header, progress, module_table(state, limit=rows, width=self.console.width))


def failure_line(event: Event) -> Text | None:
    """One line for a failure as it happens (the whole traceback waits for the summary)."""
    if isinstance(event, TestReport) and event.outcome == "failed":
        label = "ERROR" if event.category == "error" else "FAILED"
        message = event.crash.message.splitlines()[0] if event.crash and event.crash.message else ""
        text = Text.assemble((label, "bold red"), " ", visible(event.nodeid))
        if message:
            text.append(" - " + visible(message[:200]), style="dim")
        return text
    if isinstance(event, CollectionError):
        where = f"{event.file}:{event.lineno}" if event.lineno else event.file
        return Text.assemble(
            ("ERROR collecting", "bold red"),
            " ",
            visible(where),
            " - ",
            (visible(event.message[:200]), "dim"),
        )
    return None


class HeadlessReporter:
    """Feeds a console with failures as they come and a live view when it is a terminal."""

    def __init__(self, console: Console, state: RunState, args: tuple[str, ...]) -> None:
        self.console = console
        self.state = state
        self.view = LiveView(console, state, args)
        self.warned_skipped = False
        self.live: Live | None = None
        if console.is_terminal:
            self.live = Live(
                get_renderable=self.view.__rich__,
                console=console,
                refresh_per_second=4,
                transient=True,
            )

    def __enter__(self) -> HeadlessReporter:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.live is not None:
            self.live.stop()

    def on_batch(self, batch: list[Event]) -> None:
        for event in batch:
            line = failure_line(event)
            if line is not None:
                self.console.print(line, soft_wrap=True, overflow="ellipsis", no_wrap=True)
        if self.state.skipped_lines and not self.warned_skipped:
            self.warned_skipped = True  # once: the summary gives the final count
            self.console.print(
                Text("warning: " + skipped_lines_notice(self.state.skipped_lines), "yellow")
            )


def _collection_error_title(error: CollectionError) -> Text:
    """pytest's own words for it: ``ImportError while loading conftest 'tests/conftest.py'``."""
    if error.kind == "conftest":
        return Text.assemble(
            ("ImportError while loading conftest ", "bold red"),
            f"'{error.source}'",
            (f": every test under {error.file} is blocked", "dim"),
        )
    if error.kind == "plugin":
        return Text.assemble(("Error while loading plugin ", "bold red"), f'"{error.source}"')
    return Text.assemble(("collection error ", "bold red"), error.file)


def print_summary(
    console: Console,
    result: RunResult,
    regressions: Mapping[str, RegressionGroup] | None = None,
    sources: ProjectSources | None = None,
) -> None:
    """The run's ending: modules, collection errors, the largest root causes (failures that
    passed before and fail after a change regrouped as the session log stored them)."""
    state = result.state
    if state.modules:
        console.print(module_table(state, title="modules", width=console.width))
    rootdir = state.session.rootdir if state.session else None
    if state.startup_error is not None:
        rootdir = state.startup_error.rootdir or rootdir
    for error in state.collection_errors:
        console.print(_collection_error_title(error))
        folded = fold_traceback(error.longrepr, rootdir)
        console.print(Text(visible(folded.text)), style="dim")
        if folded.raised_in:
            console.print(Text.assemble(("raised in ", "dim"), visible(folded.raised_in)))
    if state.crashed_test:
        console.print(Text.assemble(("crashed ", "bold red"), visible(state.crashed_test)))
    if result.outcome is RunOutcome.CRASHED and result.stderr_tail.strip():
        console.print(Text("last output of the pytest process:", style="bold"))
        console.print(Text(visible("\n".join(result.stderr_tail.rstrip().splitlines()[-15:]))))
    _print_root_causes(console, state, regressions or {}, sources)
    for notice in result.notices:
        console.print(Text(visible(notice.message), style="bold yellow"))
    if result.outcome is RunOutcome.NO_TESTS:
        console.print(Text("no tests ran: pytest collected nothing for these arguments"))
    style = "bold green" if result.outcome is RunOutcome.PASSED else "bold red"
    console.print(Text(f"{summary_line(state)} ({result.outcome})", style=style))


EXAMPLE_LINES = 12
"""Lines of each root cause's example traceback the summary shows (whole frames)."""


def _print_root_causes(
    console: Console,
    state: RunState,
    regressions: Mapping[str, RegressionGroup],
    sources: ProjectSources | None,
    shown: int = 3,
) -> None:
    """The largest root causes: one missing import should read as one problem."""
    clusterer = Clusterer(state.session.rootdir if state.session else None)
    for nodeid in state.failures:
        failure = state.tests[nodeid].failure
        if failure is None:
            continue
        message = failure.crash.message if failure.crash else ""
        clusterer.add(
            nodeid,
            state.tests[nodeid].module,
            failure.category or "failed",
            message,
            failure.longrepr or "",
        )
    for error in state.collection_errors:
        clusterer.add(
            error.file, error.file, error_outcome(error.kind), error.message, error.longrepr
        )
    print_root_causes(console, with_regressions(clusterer.clusters(), regressions), sources, shown)


def print_root_causes(
    console: Console, clusters: list[Cluster], sources: ProjectSources | None, shown: int = 3
) -> None:
    """The ``shown`` largest of ``clusters``, each with its fix location, hint and example."""
    if not clusters:
        return
    if sources is not None:
        fill_evidence(clusters[:shown], sources)
    console.print(Text(f"root causes ({len(clusters)}):", style="bold"))
    for cluster in clusters[:shown]:
        data = cluster.as_json()
        console.print(
            Text.assemble(
                (f"  {cluster.count} x ", "bold"),
                visible(data["signature"][:160]),
                (visible(f"  (fix near {data['location']})") if data["location"] else "", "dim"),
            )
        )
        if data["hint"]:
            console.print(Text(visible(f"    hint: {data['hint']}"), style="yellow"))
        if set(cluster.outcomes) <= set(ERROR_OUTCOMES.values()):
            continue  # its tracebacks are printed above, with the collection errors
        folded = cluster.folded_example
        where = f" (raised in {folded.raised_in})" if folded.raised_in else ""
        console.print(Text(visible(f"    example: {cluster.example_test}{where}"), style="dim"))
        example = "\n".join("      " + line for line in folded.tail(EXAMPLE_LINES).splitlines())
        console.print(Text(visible(example)), style="dim")
    if len(clusters) > shown:
        console.print(Text(f"  ... cockpit clusters lists all {len(clusters)}", style="dim"))
