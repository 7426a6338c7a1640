"""The run header: what is running and why, progress, live counts, time and time left."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

from cockpit.app.views.marks import OUTCOME_MARKS, seconds
from cockpit.app.views.run_view import RunView
from cockpit.engine.display import visible
from cockpit.engine.state import RunOutcome

_COUNTS = (
    ("passed", "passed", "passed"),
    ("failed", "failed", "failed"),
    ("errors", "error", "errors"),
    ("skipped", "skipped", "skipped"),
    ("xfailed", "xfailed", "xfailed"),
    ("xpassed", "xpassed", "xpassed"),
)
_ENDINGS = {
    RunOutcome.PASSED: ("✔ passed", "bold green"),
    RunOutcome.FAILED: ("✘ failed", "bold red"),
    RunOutcome.CRASHED: ("☠ crashed", "bold red"),
    RunOutcome.INTERRUPTED: ("■ interrupted", "bold yellow"),
    RunOutcome.USAGE_ERROR: ("‼ usage error", "bold red"),
    RunOutcome.NO_TESTS: ("∅ no tests", "bold yellow"),
    RunOutcome.INTERNAL_ERROR: ("‼ internal error", "bold red"),
}


def counts_text(view: RunView, *, running: bool = False) -> Text:
    state = view.state
    if running and not state.collected and not state.finished:
        # pytest sends nothing until it has collected every test: on a large suite that
        # is seconds of an empty table, which must not read as "0 tests".
        return Text("⋯ pytest is collecting the tests", style="cyan")
    totals = state.totals.as_dict()
    text = Text()
    for key, outcome, word in _COUNTS:
        value = totals[key]
        if value or key in ("passed", "failed"):
            mark, style = OUTCOME_MARKS[outcome]
            text.append(f"{mark} {value} {word}  ", style=style if value else "dim")
    left = state.collected - state.finished
    if left > 0:
        text.append(f"· {left} to run", style="cyan")
    return text


def status_text(
    view: RunView | None,
    *,
    running: bool,
    ending: RunOutcome | str | None,
    elapsed: float,
    filters: str,
    watching: bool,
) -> Text:
    if view is None:
        return Text("no run yet: a runs the whole suite, ? lists every key", style="dim")
    text = Text()
    if running:
        text.append("▶ running ", style="bold cyan")
    elif ending is not None:
        label, style = _ENDINGS.get(RunOutcome(ending), (str(ending), "bold"))
        text.append(label + " ", style=style)
    if view.run_id is not None:
        text.append(f"run {view.run_id} ", style="dim")
    text.append(visible(view.reason))
    if filters:
        text.append(visible(f"  [{filters}]"), style="yellow")
    text.append(f"  {seconds(elapsed)}")
    if running:
        left = view.seconds_left(elapsed)
        if left is not None:
            text.append(f"  ~{seconds(left[0])} left ({left[1]})", style="dim")
    if view.workers > 1:
        text.append(f"  {view.workers} workers", style="dim")
    if watching:
        text.append("  ◉ watching", style="bold magenta")
    return text


class RunHeader(Vertical):
    """Two lines: the run and its timing; a progress bar and the counts."""

    DEFAULT_CSS = """
    RunHeader { height: 2; padding: 0 1; }
    RunHeader > Horizontal { height: 1; }
    RunHeader ProgressBar { width: 24; }
    RunHeader ProgressBar Bar { width: 16; }
    RunHeader #counts { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal():
            yield ProgressBar(total=1, show_eta=False, id="progress")
            yield Static(id="counts")

    def show(
        self,
        view: RunView | None,
        *,
        running: bool,
        ending: RunOutcome | str | None,
        elapsed: float,
        filters: str = "",
        watching: bool = False,
    ) -> None:
        # layout=False: one line that never changes size needs no reflow of the screen.
        self.query_one("#status", Static).update(
            status_text(
                view,
                running=running,
                ending=ending,
                elapsed=elapsed,
                filters=filters,
                watching=watching,
            ),
            layout=False,
        )
        bar = self.query_one(ProgressBar)
        if view is None:
            self.query_one("#counts", Static).update("", layout=False)
            return
        state = view.state
        # Never indeterminate: its pulse repaints every frame, CPU the tests need.
        bar.update(total=max(1, state.collected), progress=state.finished)
        self.query_one("#counts", Static).update(counts_text(view, running=running), layout=False)
