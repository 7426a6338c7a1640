"""The tests of the module selected in the module table, each with its outcome mark."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from cockpit.app.marks import outcome_mark, seconds
from cockpit.app.run_view import RunView
from cockpit.app.widgets.cursor import key_at_cursor
from cockpit.state import FAILING_OUTCOMES, TestRecord


def shorten_middle(name: str, width: int) -> str:
    """``test_in_st…[-1-False]``: a test name cut in the middle, keeping its parameters."""
    if len(name) <= width or width < 8:
        return name
    tail = min(len(name) // 2, (width - 1) * 3 // 5)
    return name[: width - 1 - tail] + "…" + name[-tail:]


def _look(record: TestRecord) -> tuple[str, bool, str | None]:
    return (str(record.outcome), record.finished, record.worker)


def _rank(record: TestRecord) -> tuple[int, str]:
    """Failing tests first, then running, then in collection order (by name)."""
    outcome = record.outcome
    order = 0 if outcome in FAILING_OUTCOMES else 1 if outcome == "running" else 2
    return (order, record.nodeid)


class TestTable(DataTable[Text]):
    """Tests of one module: outcome, name, duration."""

    _test_column = ColumnKey("test")

    __test__ = False  # a widget, not a test class for pytest to collect

    class TestHighlighted(Message):
        def __init__(self, nodeid: str) -> None:
            self.nodeid = nodeid
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", cell_padding=0)
        self.module: str | None = None
        self.view: RunView | None = None
        self._shown: dict[str, tuple[str, bool, str | None]] = {}
        """What each row shows (outcome, finished, worker), to rewrite only rows that changed."""
        self.border_title = "tests"

    def on_mount(self) -> None:
        self._columns(30)

    def _columns(self, name_width: int) -> None:
        self.clear(columns=True)
        self.add_column(" ", key="mark", width=3)
        self.add_column("test", key="test", width=name_width)
        self.add_column(Text("time", justify="right"), key="time", width=8)

    def on_resize(self) -> None:
        width = max(10, self.size.width - 3 - 8 - 2)
        if width != self.columns[self._test_column].width:
            self._columns(width)
            self.show_module(self.view, self.module)

    def show_module(self, view: RunView | None, module: str | None) -> None:
        keep = self.selected_test if module == self.module else None
        self.view, self.module = view, module
        self.clear()
        self._shown = {}
        if view is None or module is None:
            self.border_title = "tests"
            return
        records = [view.state.tests[nodeid] for nodeid in view.tests_of(module)]
        records.sort(key=_rank)
        for record in records:
            self.add_row(*self._cells(record), key=record.nodeid)
        self._title(len(records))
        if keep is not None and keep in self.rows:
            self.move_cursor(row=self.get_row_index(keep), scroll=False)

    def refresh_tests(self) -> None:
        """Rewrite the rows whose test changed and add new tests, in place (a live run).

        Rebuilding the table instead would cost a scan and a full repaint on every tick.
        """
        view, module = self.view, self.module
        if view is None or module is None:
            return
        tests = view.state.tests
        added = False
        for nodeid in view.tests_of(module):
            record = tests[nodeid]
            if nodeid not in self._shown:
                self.add_row(*self._cells(record), key=nodeid)
                added = True
            elif self._shown[nodeid] != _look(record):
                for column, value in zip(self.columns, self._cells(record), strict=True):
                    self.update_cell(nodeid, column, value)
        if added:
            self._title(len(self._shown))

    def _title(self, count: int) -> None:
        assert self.view is not None and self.module is not None
        tally = self.view.state.modules.get(self.module)
        error = tally.collection_error if tally else None
        title = f"{self.module} ({count} tests)"
        self.border_title = title + (" - collection error" if error else "")

    def _cells(self, record: TestRecord) -> list[Text]:
        self._shown[record.nodeid] = _look(record)
        name = record.nodeid[len(record.module) + 2 :] or record.nodeid
        worker = f" [{record.worker}]" if record.worker and record.outcome == "running" else ""
        width = self.columns[self._test_column].width if self._test_column in self.columns else 30
        return [
            Text(" ") + outcome_mark(str(record.outcome)) + Text(" "),
            Text(shorten_middle(name + worker, width)),
            Text(seconds(record.duration) if record.finished else "", justify="right"),
        ]

    @property
    def selected_test(self) -> str | None:
        return key_at_cursor(self)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.TestHighlighted(str(event.row_key.value)))
