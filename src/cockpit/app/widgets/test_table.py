"""The tests of the module selected in the module table, each with its outcome mark."""

from __future__ import annotations

from rich.text import Text

from cockpit.app.views.marks import outcome_mark, seconds
from cockpit.app.views.run_view import RunView
from cockpit.app.widgets.row_table import Column, RowTable
from cockpit.engine.state import FAILING_OUTCOMES, TestRecord


def shorten_middle(name: str, width: int) -> str:
    """``test_in_st…[-1-False]``: a test name cut in the middle, keeping its parameters."""
    if len(name) <= width or width < 8:
        return name
    tail = min(len(name) // 2, (width - 1) * 3 // 5)
    return name[: width - 1 - tail] + "…" + name[-tail:]


COLUMNS = (
    Column("mark", " ", 3),
    Column("test", "test", shorten=shorten_middle, min_width=10),
    Column("time", "time", 8, "right"),
)


def _look(record: TestRecord) -> tuple[str, bool, str | None]:
    """What a row shows of its test, compared before building its cells."""
    return (str(record.outcome), record.finished, record.worker)


def _rank(record: TestRecord) -> tuple[int, str]:
    """Failing tests first, then running, then in collection order (by name)."""
    outcome = record.outcome
    order = 0 if outcome in FAILING_OUTCOMES else 1 if outcome == "running" else 2
    return (order, record.nodeid)


class TestTable(RowTable):
    """Tests of one module: outcome, name, duration."""

    __test__ = False  # a widget, not a test class for pytest to collect

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id)
        self.module: str | None = None
        self.view: RunView | None = None
        self._shown: dict[str, tuple[str, bool, str | None]] = {}
        """What each row shows, so a tick builds cells only for the tests that changed."""
        self.border_title = "tests"

    def show_module(self, view: RunView | None, module: str | None) -> None:
        keep = self.selected_test if module == self.module else None
        self.view, self.module = view, module
        self._shown = {}
        if view is None or module is None:
            self.replace_rows(())
            self.border_title = "tests"
            return
        records = [view.state.tests[nodeid] for nodeid in view.tests_of(module)]
        records.sort(key=_rank)
        self.replace_rows((record.nodeid, self._cells(record)) for record in records)
        self._title(len(records))
        if keep is not None:
            self.move_cursor_to(keep, scroll=False)

    def refresh_tests(self) -> None:
        """Rewrite the rows whose test changed and add new tests, in place (a live run).

        The order stays while the module runs: rows jumping under the cursor would be worse
        than failures showing where they are; the next ``show_module`` sorts again.
        """
        view, module = self.view, self.module
        if view is None or module is None:
            return
        count = self.row_count
        tests = view.state.tests
        shown = self._shown
        for nodeid in view.tests_of(module):
            record = tests[nodeid]
            if shown.get(nodeid) != _look(record):
                self.set_row(nodeid, self._cells(record))
        if self.row_count != count:
            self._title(self.row_count)

    def _title(self, count: int) -> None:
        assert self.view is not None and self.module is not None
        tally = self.view.state.modules.get(self.module)
        error = tally.collection_error if tally else None
        title = f"{self.module} ({count} tests)"
        if tally is not None and tally.blocked_by is not None:
            blocked = self.view.blocked_tests(self.module)
            title = f"{self.module}: {tally.blocked_by} failed to import, {blocked} tests blocked"
            self.border_title = title
            return
        self.border_title = title + (" - collection error" if error else "")

    def _cells(self, record: TestRecord) -> list[Text]:
        self._shown[record.nodeid] = _look(record)
        name = record.nodeid[len(record.module) + 2 :] or record.nodeid
        worker = f" [{record.worker}]" if record.worker and record.outcome == "running" else ""
        return [
            Text(" ") + outcome_mark(str(record.outcome)),
            Text(name + worker),
            Text(seconds(record.duration) if record.finished else ""),
        ]

    @property
    def selected_test(self) -> str | None:
        return self.cursor_key
