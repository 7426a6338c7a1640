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
) -> RenderableType:
    """``known_issue`` says which known issue names the test (``known issue 2: ...``)."""
    parts: list[RenderableType] = [
        Text.assemble(outcome_mark(outcome), " ", (visible(nodeid), "bold"), f"  {outcome}")
    ]
    if known_issue:
        parts.append(Text.assemble(known_mark(True), " ", (known_issue, "bold magenta")))
    if detail is None:
        if outcome in ("failed", "error", "crashed"):
            parts.append(Text("no failure text was recorded for this test", style="dim"))
        return Group(*parts)
    if detail.location:
        library = any(part in detail.location for part in ("site-packages", "/lib/python"))
        where = "raised in a library at " if library else "at "
        location = visible(detail.location)
        parts.append(Text.assemble((where, "dim"), (location, "dim" if library else "")))
    if detail.message:
        parts.append(Text(visible(detail.message), style="red"))
    if cluster is not None:
        data = cluster.as_json()
        others = cluster.count - 1
        parts.append(
            Text.assemble(
                ("\nroot cause: ", _SECTION),
                visible(data["signature"]),
                (f"  (shared with {plural(others, 'other failure')})" if others else "", "dim"),
            )
        )
        if data["location"]:
            parts.append(Text.assemble(("fix near: ", _SECTION), visible(data["location"])))
        if data["hint"]:
            parts.append(Text.assemble(("hint: ", "bold yellow"), visible(data["hint"])))
    if detail.longrepr:
        parts.append(Text(f"\ntraceback ({detail.phase})", style=_SECTION))
        parts.append(
            Syntax(
                visible(detail.longrepr),
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
