"""Isolation (i): each selected failing test rerun alone in fresh processes, verdicts live.

Real failure, order-dependent (passes alone; bisected against the tests that ran before it
to name the polluter) or flaky. Closing the screen cancels the reruns: their pytest
processes are stopped like any run's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from cockpit.isolation.verdicts import IsolationVerdict, Verdict
from cockpit.report.figures import plural

VERDICT_MARKS = {
    Verdict.FAILS_ALONE: ("✘ fails alone", "bold red"),
    Verdict.PASSES_ALONE: ("◐ passes alone (order-dependent)", "bold yellow"),
    Verdict.FLAKY: ("≈ flaky", "bold magenta"),
}

Isolate = Callable[
    [Sequence[str], Callable[[IsolationVerdict], None]], Awaitable[list[IsolationVerdict]]
]
"""Starts the reruns: (node ids, called with each verdict) -> every verdict."""


class IsolationScreen(ModalScreen[list[IsolationVerdict] | None]):
    DEFAULT_CSS = """
    IsolationScreen { align: center middle; }
    IsolationScreen > Vertical {
        width: 95%; height: 80%; border: round $primary; background: $surface;
    }
    IsolationScreen #isolation-status { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close (cancels)")]

    def __init__(self, nodeids: Sequence[str], isolate: Isolate, repeats: int) -> None:
        super().__init__()
        self.nodeids = tuple(nodeids)
        self.isolate = isolate
        self.repeats = repeats
        self.verdicts: list[IsolationVerdict] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                f"rerunning {plural(len(self.nodeids), 'failing test')} alone, "
                f"{plural(self.repeats, 'time')} each, in fresh processes…",
                id="isolation-status",
            )
            yield DataTable(cursor_type="row", id="verdicts")
        yield Footer()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.add_column("verdict", key="verdict", width=34)
        table.add_column("outcomes", key="outcomes", width=24)
        table.add_column("test", key="test")
        table.add_column("polluter", key="polluter")
        for nodeid in self.nodeids:
            table.add_row(
                Text("… rerunning", style="dim"), Text(""), Text(nodeid), Text(""), key=nodeid
            )
        self._run()

    @work(exclusive=True, group="isolation")
    async def _run(self) -> None:
        self.verdicts = await self.isolate(self.nodeids, self._show)
        counts = {verdict: 0 for verdict in Verdict}
        for verdict in self.verdicts:
            counts[verdict.verdict] += 1
        self.query_one("#isolation-status", Static).update(
            f"done: {counts[Verdict.FAILS_ALONE]} fail alone, "
            f"{counts[Verdict.PASSES_ALONE]} pass alone (order-dependent), "
            f"{counts[Verdict.FLAKY]} flaky. escape closes and records them in the session log."
        )

    def _show(self, verdict: IsolationVerdict) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        label, style = VERDICT_MARKS[verdict.verdict]
        table.update_cell(verdict.nodeid, "verdict", Text(label, style=style))
        table.update_cell(verdict.nodeid, "outcomes", Text(" ".join(verdict.outcomes)))
        table.update_cell(verdict.nodeid, "polluter", Text(verdict.polluter or ""))
        self.verdicts.append(verdict)  # what is known if the screen is closed early

    def action_close(self) -> None:
        self.dismiss(self.verdicts)
