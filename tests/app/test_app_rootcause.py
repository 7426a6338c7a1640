"""The app's root causes on real runs: a regression regrouped as a rerun's failures arrive,
a conftest that cannot import as the row of the folder it blocks, folded tracebacks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot

from cockpit.app.app import CockpitApp
from cockpit.app.widgets.clusters_panel import ClustersPanel
from cockpit.app.widgets.failure_detail import FailureDetailView
from cockpit.app.widgets.module_table import ModuleTable
from cockpit.app.widgets.test_table import TestTable
from cockpit.rootcause.regression import Change, ChangedFile
from tests.app.app_support import lines_of, make_app, run_and_settle, settle, text_of
from tests.app.test_app_logic import collected, failed, feed, live_view, started
from tests.helpers import copy_project

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("COCKPIT_DB_URL", raising=False)


def drive(app: CockpitApp, scenario: object) -> None:
    async def main() -> None:
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            await scenario(app, pilot)  # type: ignore[operator]

    asyncio.run(main())


def test_a_reruns_regression_is_one_root_cause_live(tmp_path: Path) -> None:
    project = copy_project("wrong_value", tmp_path)

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        assert app.ending == "passed"
        text = project / "app" / "text.py"
        text.write_text(text.read_text().replace('"-".join', '" ".join'))
        await run_and_settle(pilot, "a")
        assert app.ending == "failed"
        await run_and_settle(pilot, "2")
        panel = app.query_one(ClustersPanel)
        keys = [(cluster.key, cluster.count) for cluster in panel.clusters]
        assert keys == [
            ("broke after changing app/text.py (join_words)", 8),
            ("AssertionError @ tests/test_pages.py:23", 3),
        ]
        assert "fix near: app/text.py:4" in text_of(panel.query_one("#cluster-detail"))
        # The detail pane names the same root cause; v shows the whole traceback.
        await run_and_settle(pilot, "1", "tab", "down")
        detail = text_of(app.query_one(FailureDetailView).query_one("Static"))
        assert "root cause: broke after changing app/text.py (join_words)" in detail
        assert "raised in tests/" in detail
        await run_and_settle(pilot, "v")
        assert app.full_traceback

    drive(make_app(project), scenario)


def test_a_conftest_that_cannot_import_is_the_row_of_its_folder(tmp_path: Path) -> None:
    project = copy_project("conftest_import", tmp_path)
    core = project / "app" / "core.py"
    broken = core.read_text()
    core.write_text("import weakref\n" + broken)

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        await run_and_settle(pilot, "a")
        assert app.ending == "passed"
        core.write_text(broken)
        await run_and_settle(pilot, "a")
        assert app.ending == "conftest-error"
        modules = app.query_one(ModuleTable)
        [row] = [line for line in lines_of(modules)[1:] if line.strip()]
        assert "⊘ tests/" in row and row.split()[-3] == "3"  # todo: the 3 tests it blocks
        title = str(app.query_one(TestTable).border_title)
        assert title.startswith("tests/: tests/conftest.py failed to import, 3 tests")
        await settle(pilot)
        detail = text_of(app.query_one(FailureDetailView).query_one("Static"))
        assert "conftest error" in detail and "raised in app/core.py:6" in detail
        assert "add `import weakref` at the top of app/core.py" in " ".join(detail.split())
        assert "_pytest" not in detail

    drive(make_app(project), scenario)


def test_the_live_view_regroups_as_the_history_of_new_failures_arrives() -> None:
    view = live_view()
    tests = ("a.py::t1", "a.py::t2", "b.py::t3")
    feed(view, started(), collected(*tests))
    messages = ("ValueError: bad total", "KeyError: 'slug'", "TypeError: not a str")
    feed(view, *(failed(nodeid, message) for nodeid, message in zip(tests, messages, strict=True)))
    assert view.history_wanted() == {"a.py::t1": "a.py", "a.py::t2": "a.py", "b.py::t3": "b.py"}
    assert view.history_wanted() == {}  # each failure is fetched once
    assert len(view.clusters()) == 3
    change = Change(4, (ChangedFile("app/util.py", ("helper",), 2),))
    view.add_history(dict.fromkeys(tests, (4, "passed")), {4: change})
    assert view.clusters_changed
    [cluster] = view.clusters()
    assert (cluster.key, cluster.count) == ("broke after changing app/util.py (helper)", 3)
    found = view.cluster_of("b.py::t3")
    assert found is not None and found.key == cluster.key  # the detail pane names it too
    view.settle({})  # what the log stored wins once the run is recorded
    assert len(view.clusters()) == 3
