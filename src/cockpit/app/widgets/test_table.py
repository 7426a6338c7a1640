"""The tests of the module selected in the module table, each with its outcome mark."""

from __future__ import annotations

from rich.text import Text

from cockpit.app.views.known import known_mark
from cockpit.app.views.marks import AGE_SEPARATOR, keeping_age, outcome_mark, seconds
from cockpit.app.views.run_view import RunView
from cockpit.app.widgets.row_table import Column, RowTable
from cockpit.engine.display import shorten_path, shorten_test_name, visible
from cockpit.engine.state import FAILING_OUTCOMES, TestRecord
from cockpit.report.figures import plural

COLUMNS = (
    Column("mark", " ", 3),
    Column("test", "test", shorten=keeping_age(shorten_test_name), min_width=10),
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
        records = [r for r in map(view.record, view.tests_of(module)) if r is not None]
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
        shown = self._shown
        for nodeid in view.tests_of(module):
            record = view.record(nodeid)
            if record is not None and shown.get(nodeid) != _look(record):
                self.set_row(nodeid, self._cells(record))
        if self.row_count != count:
            self._title(self.row_count)

    def on_resize(self) -> None:
        if self.view is not None and self.module is not None:
            self._title(self.row_count)  # the module's path fits the new width

    def _title(self, count: int) -> None:
        assert self.view is not None and self.module is not None
        tally = self.view.module_tally(self.module)
        error = tally.collection_error if tally else None
        if tally is not None and tally.blocked_by is not None:
            blocked = self.view.blocked_tests(self.module)
            name = visible(self.module)
            self.border_title = (
                f"{name}: {tally.blocked_by} failed to import, {blocked} tests blocked"
            )
            return
        known = self.view.known.in_module(self.module)
        counted = plural(count, "test") + (f", {known} known" if known else "")
        room = max(12, self.size.width - len(counted) - 8)  # the border's corners and gaps
        title = f"{shorten_path(visible(self.module), room)} ({counted})"
        self.border_title = title + (" - collection error" if error else "")

    def _cells(self, record: TestRecord) -> list[Text]:
        self._shown[record.nodeid] = _look(record)
        name = record.nodeid[len(record.module) + 2 :] or record.nodeid
        worker = f" [{record.worker}]" if record.worker and record.outcome == "running" else ""
        return [
            known_mark(self.view is not None and record.nodeid in self.view.known)
            + outcome_mark(str(record.outcome)),
            Text(visible(name + worker)) + self._from_run(record.nodeid),
            Text(seconds(record.duration) if record.finished else ""),
        ]

    def _from_run(self, nodeid: str) -> Text:
        """`` · run 3`` for a test this run did not run: its result as last seen."""
        view = self.view
        if view is None or nodeid in view.state.tests:
            return Text()
        run_id = view.result_run(nodeid)
        return Text(f"{AGE_SEPARATOR}run {run_id}", style="dim") if run_id is not None else Text()

    @property
    def selected_test(self) -> str | None:
        return self.cursor_key
