"""The selected test's story: where it failed, the traceback highlighted, what it printed,
and the root cause it shares with other failures (with the hint, when a rule knows it).
All of it is the test's text, shown through :func:`visible`, never obeyed."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from cockpit.app.views.known import known_mark
from cockpit.app.views.marks import outcome_mark
from cockpit.engine.display import visible
from cockpit.report.figures import plural
from cockpit.rootcause.clusters import Cluster
from cockpit.rootcause.folding import Folded, fold_traceback
from cockpit.store.rows import FailureRow

_SECTION = "bold"


def detail_renderable(
    nodeid: str,
    outcome: str,
    detail: FailureRow | None,
    cluster: Cluster | None,
    *,
    dark: bool = True,
    known_issue: str | None = None,
    rootdir: str | None = None,
    full: bool = False,
) -> RenderableType:
    """The detail of one test; its traceback folded (library frames one line each) unless
    ``full`` asks for pytest's whole text; ``known_issue`` says which known issue names the
    test (``known issue 2: ...``)."""
    parts: list[RenderableType] = [
        Text.assemble(outcome_mark(outcome), " ", (visible(nodeid), "bold"), f"  {outcome}")
    ]
    if known_issue:
        parts.append(Text.assemble(known_mark(True), " ", (known_issue, "bold magenta")))
    if detail is None:
        if outcome in ("failed", "error", "crashed"):
            parts.append(Text("no failure text was recorded for this test", style="dim"))
        return Group(*parts)
    folded = fold_traceback(detail.longrepr, rootdir)
    raised = _raised_in(folded, detail.location)
    if raised is not None:
        parts.append(raised)
    if detail.message:
        parts.append(Text(visible(detail.message), style="red"))
    if cluster is not None:
        parts.extend(_root_cause(cluster))
    if detail.longrepr:
        parts.append(_traceback_title(detail.phase, folded, full))
        parts.append(
            Syntax(
                visible(detail.longrepr if full else folded.text),
                "pytb",
                theme="ansi_dark" if dark else "ansi_light",
                word_wrap=True,
                background_color="default",
            )
        )
    for title, captured in (
        ("captured stdout", detail.stdout),
        ("captured stderr", detail.stderr),
        ("captured log", detail.log),
    ):
        if captured:
            parts.append(Text(f"\n{title}", style=_SECTION))
            parts.append(Text(visible(captured)))
    return Group(*parts)


def _root_cause(cluster: Cluster) -> list[Text]:
    """The root cause the failure shares, where to fix it, and the hint."""
    data = cluster.as_json()
    others = cluster.count - 1
    parts = [
        Text.assemble(
            ("\nroot cause: ", _SECTION),
            visible(data["signature"]),
            (f"  (shared with {plural(others, 'other failure')})" if others else "", "dim"),
        )
    ]
    if data["location"]:
        parts.append(Text.assemble(("fix near: ", _SECTION), visible(data["location"])))
    if data["hint"]:
        parts.append(Text.assemble(("hint: ", "bold yellow"), visible(data["hint"])))
    return parts


def _raised_in(folded: Folded, crash_location: str | None) -> Text | None:
    """Where it was raised: the innermost project frame, and the library frame below it
    when a library raised it."""
    if folded.raised_in is None:
        return Text.assemble(("at ", "dim"), visible(crash_location)) if crash_location else None
    text = Text.assemble(("raised in ", "dim"), visible(folded.raised_in))
    if folded.raised_in_library and folded.innermost:
        text.append(visible(f"  (inside a library, at {folded.innermost})"), style="dim")
    return text


def _traceback_title(phase: str, folded: Folded, full: bool) -> Text:
    title = Text(f"\ntraceback ({phase})", style=_SECTION)
    if full:
        title.append("  the full text; v folds the library frames", style="dim")
    elif folded.folded_frames:
        title.append(
            f"  {folded.folded_frames} library frames folded; v shows the full text", style="dim"
        )
    return title


class FailureDetailView(VerticalScroll):
    """Scrollable detail of one test."""

    DEFAULT_CSS = """
    FailureDetailView { height: 1fr; }
    FailureDetailView > Static { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "detail"
        self._body = Static(Text("select a test to see its detail", style="dim"))
        self.shown: str | None = None

    def compose(self) -> ComposeResult:
        yield self._body

    def show(self, renderable: RenderableType, nodeid: str | None) -> None:
        self.shown = nodeid
        self._body.update(renderable)
        self.scroll_home(animate=False)
