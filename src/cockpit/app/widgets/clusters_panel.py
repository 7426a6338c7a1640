"""The largest root causes of the run on screen, and the selected one's story."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from cockpit.app.views.known import NO_KNOWN_ISSUES, KnownIssues, known_mark
from cockpit.app.widgets.cursor import key_at_cursor
from cockpit.engine.display import visible
from cockpit.report.figures import plural
from cockpit.rootcause.clusters import Cluster

EXAMPLE_LINES = 80  # the end of a traceback says the most (whole frames, library ones folded)


def cluster_renderable(
    cluster: Cluster, *, dark: bool = True, known: KnownIssues = NO_KNOWN_ISSUES
) -> RenderableType:
    data = cluster.as_json()
    outcomes = ", ".join(f"{n} {kind}" for kind, n in data["outcomes"].items())
    modules = data["modules"]
    parts: list[RenderableType] = [
        Text(visible(data["signature"]), style="bold"),
        Text(
            f"{plural(cluster.count, 'test')} ({outcomes}) in {plural(len(modules), 'module')}",
            style="dim",
        ),
    ]
    for issue_id, count in known.named_in(cluster.tests).items():
        title = known.titles.get(issue_id, "")
        parts.append(
            Text.assemble(
                known_mark(True),
                (f" known issue {issue_id}: ", "bold"),
                title,
                (
                    "  (names every one of these tests)"
                    if count == cluster.count
                    else f"  (names {count} of these {plural(cluster.count, 'test')})",
                    "dim",
                ),
            )
        )
    if data["location"]:
        parts.append(Text.assemble(("fix near: ", "bold"), visible(data["location"])))
    if data["hint"]:
        parts.append(Text.assemble(("hint: ", "bold yellow"), visible(data["hint"])))
    shown = ", ".join(modules[:12]) + (" …" if len(modules) > 12 else "")
    parts.append(Text(visible("modules: " + shown)))
    parts.append(Text(visible(f"\nexample: {data['example_test']}"), style="bold"))
    folded = cluster.folded_example
    if folded.raised_in:
        parts.append(Text.assemble(("raised in ", "dim"), visible(folded.raised_in)))
    example = visible(folded.tail(EXAMPLE_LINES))
    parts.append(
        Syntax(
            example,
            "pytb",
            theme="ansi_dark" if dark else "ansi_light",
            word_wrap=True,
            background_color="default",
        )
    )
    return Group(*parts)


class ClustersPanel(Vertical):
    """Root causes, largest first: ``enter`` reruns the selected one's tests."""

    DEFAULT_CSS = """
    ClustersPanel > DataTable { height: 1fr; min-height: 5; }
    ClustersPanel > VerticalScroll { height: 2fr; }
    """

    class ClusterHighlighted(Message):
        def __init__(self, index: int) -> None:
            self.index = index
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clusters: list[Cluster] = []
        self.known = NO_KNOWN_ISSUES
        self.border_title = "root causes"

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row", id="cluster-table")
        yield table
        with VerticalScroll():
            yield Static(Text("no failures", style="dim"), id="cluster-detail")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(Text("tests", justify="right"), key="count", width=6)
        table.add_column("mix", key="mix", width=9)
        table.add_column("◆", key="hint", width=1)
        table.add_column("K", key="known", width=1)
        table.add_column("root cause (◆ = a hint knows it, K = a known issue)", key="signature")

    def show_clusters(self, clusters: list[Cluster], known: KnownIssues = NO_KNOWN_ISSUES) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        keep = self.selected_index
        self.clusters, self.known = clusters, known
        table.clear()
        for index, cluster in enumerate(clusters):
            outcomes = cluster.outcomes
            mix = "".join(
                f"{outcomes[kind]}{mark} "
                for kind, mark in (
                    ("failed", "F"),
                    ("error", "E"),
                    ("crashed", "C"),
                    ("collection error", "CE"),
                    ("conftest error", "CF"),
                    ("plugin error", "PE"),
                )
                if outcomes.get(kind)
            )
            table.add_row(
                Text(str(cluster.count), justify="right", style="bold"),
                Text(mix.strip()),
                Text("◆" if cluster.hint else "", style="bold yellow"),
                known_mark(any(nodeid in known for nodeid in cluster.tests)),
                Text(visible(cluster.key[:300])),
                key=str(index),
            )
        self.border_title = f"root causes ({len(clusters)})"
        if keep is not None and keep < len(clusters):
            table.move_cursor(row=keep, scroll=False)
        self._show_selected()  # its counts may have grown

    @property
    def selected_index(self) -> int | None:
        key = key_at_cursor(self.query_one(DataTable))
        return int(key) if key is not None else None

    @property
    def selected(self) -> Cluster | None:
        index = self.selected_index
        return self.clusters[index] if index is not None and index < len(self.clusters) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_selected()

    def _show_selected(self) -> None:
        cluster = self.selected
        detail = self.query_one("#cluster-detail", Static)
        if cluster is None:
            detail.update(Text("no failures", style="dim"))
            return
        dark = self.app.current_theme.dark if self.app.current_theme else True
        detail.update(cluster_renderable(cluster, dark=dark, known=self.known))
