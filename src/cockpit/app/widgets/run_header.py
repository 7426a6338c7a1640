"""The run header: what is running and why, progress, live counts, time and time left,
and the project it runs in.

Both lines fit their width: the counts drop to shorter words (``pass``, ``err``: the
module table's column names), then to marks and numbers; the status line drops the
estimate's basis, then cuts the selection's middle. The project's path stays at the right,
as much of it as fits (its last folder at least).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

from cockpit.app.views.known import KNOWN_MARK
from cockpit.app.views.marks import OUTCOME_MARKS, seconds
from cockpit.app.views.run_view import RunView
from cockpit.engine.display import shorten_middle, shorten_path, visible
from cockpit.engine.state import RunOutcome

# (totals key, outcome mark, one, many, short)
_COUNTS = (
    ("passed", "passed", "passed", "passed", "pass"),
    ("failed", "failed", "failed", "failed", "fail"),
    ("errors", "error", "error", "errors", "err"),
    ("skipped", "skipped", "skipped", "skipped", "skip"),
    ("xfailed", "xfailed", "xfailed", "xfailed", "xf"),
    ("xpassed", "xpassed", "xpassed", "xpassed", "xp"),
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
TIGHT_BELOW = 100
"""Under this width the progress bar gives the counts ten more columns."""


class CountItem(NamedTuple):
    """One count of the counts line, in its long and short words."""

    mark: str
    value: int
    word: str
    short: str
    style: str


def count_items(view: RunView) -> list[CountItem]:
    """This run's counts as pytest's summary line says them (passed and failed always),
    then how many of its failures a known issue names (``K 3 known``)."""
    totals = view.state.totals.as_dict()
    items = []
    for key, outcome, one, many, short in _COUNTS:
        value = totals[key]
        if value or key in ("passed", "failed"):
            mark, style = OUTCOME_MARKS[outcome]
            word = one if value == 1 else many
            items.append(CountItem(mark, value, word, short, style if value else "dim"))
    known = view.known_failing()
    if known:
        items.append(CountItem(KNOWN_MARK[0], known, "known", "known", KNOWN_MARK[1]))
    return items


def fit_counts(items: Sequence[CountItem], width: int, tail: Text | None = None) -> Text:
    """The items in the longest form that fits ``width``: words two spaces apart, one
    space apart, short words, marks and numbers only (cropped if even that is too wide)."""
    text = Text()
    for words, gap in (("word", "  "), ("word", " "), ("short", " "), ("", " ")):
        text = Text(no_wrap=True, overflow="crop")
        for index, item in enumerate(items):
            word = getattr(item, words) if words else ""
            text.append(gap if index else "")
            text.append(f"{item.mark} {item.value}" + (f" {word}" if word else ""), item.style)
        if tail is not None:
            text.append(gap)
            text.append_text(tail)
        if text.cell_len <= width:
            return text
    return text


def counts_text(view: RunView, *, running: bool = False, width: int = 1_000) -> Text:
    state = view.state
    if running and not state.collected and not state.finished:
        # pytest sends nothing until it has collected every test: on a large suite that
        # is seconds of an empty table, which must not read as "0 tests".
        return Text("⋯ pytest is collecting the tests", style="cyan")
    left = state.collected - state.finished
    tail = Text(f"· {left} to run", style="cyan") if left > 0 else None
    return fit_counts(count_items(view), width, tail)


class StatusParts(NamedTuple):
    """The status line's pieces, so that it can be fitted by dropping or cutting them."""

    ending: Text
    run: str
    reason: str
    filters: str
    elapsed: str
    left: str
    basis: str
    after: Text
    """Workers and watching."""

    def render(self, *, basis: bool = True, reason: int | None = None) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append_text(self.ending)
        if self.run:
            text.append(self.run + " ", style="dim")
        text.append(self.reason if reason is None else shorten_middle(self.reason, reason))
        if self.filters:
            text.append(f"  [{self.filters}]", style="yellow")
        text.append(f"  {self.elapsed}")
        if self.left:
            text.append(f"  ~{self.left} left" + (f" ({self.basis})" if basis else ""), "dim")
        text.append_text(self.after)
        return text


def status_parts(
    view: RunView,
    *,
    running: bool,
    ending: RunOutcome | str | None,
    elapsed: float,
    filters: str,
    watching: bool,
) -> StatusParts:
    label = Text()
    if running:
        label.append("▶ running ", style="bold cyan")
    elif ending is not None:
        word, style = _ENDINGS.get(RunOutcome(ending), (str(ending), "bold"))
        label.append(word + " ", style=style)
    left = view.seconds_left(elapsed) if running else None
    after = Text()
    if view.workers > 1:
        after.append(f"  {view.workers} workers", style="dim")
    if watching:
        after.append("  ◉ watching", style="bold magenta")
    return StatusParts(
        ending=label,
        run=f"run {view.run_id}" if view.run_id is not None else "",
        reason=visible(view.reason),
        filters=visible(filters),
        elapsed=seconds(elapsed),
        left=seconds(left[0]) if left else "",
        basis=left[1] if left else "",
        after=after,
    )


def suite_text(view: RunView) -> Text:
    """`` │ suite 45/49 ✔ 2 ✘ 1 ‼ 2 stale``: the suite as last seen, beside this run's counts,
    when the screen shows results of earlier runs too."""
    suite = view.suite_counts()
    if suite is None:
        return Text()
    text = Text("│ suite ", style="dim")
    text.append(f"✔ {suite.passed}/{suite.tests}", style="green")
    if suite.failing:
        text.append(f"  ✘ {suite.failing}", style="bold red")
    if suite.not_importable:
        text.append(f"  ‼ {suite.not_importable}", style="bold red")
    if suite.stale:
        text.append(f"  {suite.stale} stale", style="yellow")
    return text


def status_text(
    view: RunView | None,
    *,
    running: bool,
    ending: RunOutcome | str | None,
    elapsed: float,
    filters: str,
    watching: bool,
    width: int = 1_000,
) -> Text:
    """The status line fitted to ``width``: the basis of the estimate goes first, then
    the selection loses its middle (it keeps 12 characters); the rest is cut at the end."""
    if view is None:
        return Text("no run yet: a runs the whole suite, ? lists every key", style="dim")
    parts = status_parts(
        view, running=running, ending=ending, elapsed=elapsed, filters=filters, watching=watching
    )
    text = parts.render()
    if text.cell_len > width:
        text = parts.render(basis=False)
    if text.cell_len > width:
        room = len(parts.reason) - (text.cell_len - width)
        text = parts.render(basis=False, reason=max(12, room))
    return text


def project_label(folder: Path) -> str:
    """The project's folder as a user names it: ``~/src/shop`` under the home folder."""
    home = Path.home()
    if folder == home:
        return "~"
    if home in folder.parents:
        return "~/" + folder.relative_to(home).as_posix()
    return folder.as_posix()


def first_line(status: Text, project: str, width: int) -> Text:
    """The status at the left, the project's path at the right with what room is left."""
    room = width - status.cell_len - 2
    name = shorten_path(project, room) if room >= 6 else ""
    line = status.copy()
    line.truncate(width)
    line.append(" " * max(0, width - line.cell_len - len(name)))
    line.append(name, style="dim")
    return line


def project_room(project: str) -> int:
    """The columns the status line leaves for the project: its last folder, at most 24."""
    last = project.rstrip("/").rpartition("/")[2]
    return min(len(project), len(last) + 2, 24) + 2


class RunHeader(Vertical):
    """Two lines: the run, its timing and the project; a progress bar and the counts."""

    DEFAULT_CSS = """
    RunHeader { height: 2; padding: 0 1; }
    RunHeader > Horizontal { height: 1; }
    RunHeader ProgressBar { width: 24; }
    RunHeader ProgressBar Bar { width: 16; }
    RunHeader.-tight ProgressBar { width: 14; }
    RunHeader.-tight ProgressBar Bar { width: 8; }
    RunHeader #counts { width: 1fr; }
    """

    def __init__(self, project: Path | None = None) -> None:
        super().__init__()
        self.project = project_label(project) if project is not None else ""
        self._shown: dict[str, Any] = {
            "view": None,
            "running": False,
            "ending": None,
            "elapsed": 0.0,
            "filters": "",
            "watching": False,
        }

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal():
            yield ProgressBar(total=1, show_eta=False, id="progress")
            yield Static(id="counts")

    def on_resize(self, event: events.Resize) -> None:
        self._draw()

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
        self._shown = {
            "view": view,
            "running": running,
            "ending": ending,
            "elapsed": elapsed,
            "filters": filters,
            "watching": watching,
        }
        self._draw()

    def _draw(self) -> None:
        view: RunView | None = self._shown["view"]
        running: bool = self._shown["running"]
        width = self.content_region.width or self.app.size.width - 2
        self.set_class(width < TIGHT_BELOW, "-tight")
        status = status_text(width=width - project_room(self.project), **self._shown)
        # layout=False: one line that never changes size needs no reflow of the screen.
        self.query_one("#status", Static).update(
            first_line(status, self.project, width), layout=False
        )
        bar = self.query_one(ProgressBar)
        if view is None:
            self.query_one("#counts", Static).update("", layout=False)
            return
        state = view.state
        # Never indeterminate: its pulse repaints every frame, CPU the tests need.
        bar.update(total=max(1, state.collected), progress=state.finished)
        room = width - (14 if width < TIGHT_BELOW else 24) - 1
        suite = suite_text(view)
        if suite and suite.cell_len + 24 <= room:  # the suite's, only beside this run's
            counts = counts_text(view, running=running, width=room - suite.cell_len - 1)
            counts.append(" ").append_text(suite)
        else:
            counts = counts_text(view, running=running, width=room)
        self.query_one("#counts", Static).update(counts, layout=False)
