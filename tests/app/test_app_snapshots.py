"""SVG snapshots of the main screen: two themes at 120x36, and the 80x24 layout (with a
known issue marked).

The run on screen is built from fixed events (no subprocess, no clock, no database), so
the pictures change only when the app's look does. Update them after an intended change
with ``pytest tests/test_app_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from cockpit.app.app import CockpitApp
from cockpit.app.views.known import NO_KNOWN_ISSUES, KnownIssues
from cockpit.app.views.run_view import RunView
from cockpit.app.widgets.run_header import RunHeader
from cockpit.engine.events import (
    CollectedItem,
    CollectionError,
    CollectionFinished,
    CrashLocation,
    PhasesPassed,
    SessionFinished,
    SessionStarted,
    TestReport,
)
from cockpit.engine.state import RunState
from cockpit.suite.model import RecordedResult, RunFacts, RunResults
from cockpit.suite.picture import SuitePicture, build_picture
from tests.app.app_support import make_app

MAPPER_ERROR = (
    "sqlalchemy.exc.InvalidRequestError: One or more mappers failed to initialize - can't "
    "proceed with initialization of other mappers. Triggering mapper: 'Mapper[Post(posts)]'. "
    "Original exception was: When initializing mapper Mapper[Post(posts)], expression 'Tag' "
    "failed to locate a name ('Tag')."
)
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/project/tests/conftest.py", line 9, in session\n'
    "    session.add(Post(title='Welcome', body='First post.'))\n"
    '  File "/venv/lib/python3.11/site-packages/sqlalchemy/orm/mapper.py", line 4352, '
    "in _configure_registries\n"
    "    raise exc.InvalidRequestError(msg)\n" + MAPPER_ERROR + "\n"
)


def fixed_run() -> RunView:
    """A finished run of a small backend: one missing model import, one honest failure."""
    modules = {
        "tests/test_posts.py": 12,
        "tests/test_tags.py": 8,
        "tests/test_util.py": 5,
        "tests/api/test_health.py": 3,
    }
    items = tuple(
        CollectedItem(f"{path}::test_case_{index}", path, path[:-3].replace("/", "."))
        for path, count in modules.items()
        for index in range(count)
    )
    events: list[Any] = [
        SessionStarted("9.2.0", "3.11.7", "/project", (), 0, 1, 1_790_000_000.0),
        CollectionFinished(items),
        CollectionError(
            "tests/test_search.py",
            "tests/test_search.py",
            "ModuleNotFoundError: No module named 'app.search'",
            "E   ModuleNotFoundError: No module named 'app.search'",
        ),
    ]
    for item in items:
        if item.file in ("tests/test_posts.py", "tests/test_tags.py"):
            when = "setup" if item.nodeid.endswith(("_1", "_3", "_5")) else "call"
            crash = CrashLocation("/venv/lib/python3.11/site-packages/x.py", 4352, MAPPER_ERROR)
            events.append(
                TestReport(
                    item.nodeid,
                    when,
                    "failed",
                    "error" if when == "setup" else "failed",
                    0.012,
                    crash=crash,
                    longrepr=TRACEBACK,
                )
            )
            if when == "setup":
                events.append(TestReport(item.nodeid, "teardown", "passed", "", 0.001))
            else:
                events.append(TestReport(item.nodeid, "teardown", "passed", "", 0.001))
        elif item.nodeid == "tests/test_util.py::test_case_4":
            crash = CrashLocation("/project/tests/test_util.py", 21, "assert 3 == 2")
            events.append(
                TestReport(
                    item.nodeid,
                    "call",
                    "failed",
                    "failed",
                    0.004,
                    crash=crash,
                    longrepr="tests/test_util.py:21: in test_case_4\n    assert 3 == 2\n"
                    "E   assert 3 == 2",
                    stdout="counting words\n",
                )
            )
            events.append(TestReport(item.nodeid, "teardown", "passed", "", 0.001))
        else:
            events.append(PhasesPassed(item.nodeid, ("setup", "call", "teardown"), 0.02))
    events.append(SessionFinished(1, 1_790_000_004.5))
    state = RunState()
    for event in events:
        state.apply(event)
    view = RunView(
        state,
        reason="the whole suite",
        run_id=7,
        live=True,
        rootdir="/project",
        picture=previous_run(),
    )
    view.apply_batch(events)
    view.live = False
    return view


def previous_run() -> SuitePicture:
    """The run before it: two of test_util.py's tests passed, and the health checks."""
    outcomes = {
        f"tests/test_util.py::test_case_{n}": "passed" if n < 2 else "failed" for n in range(5)
    }
    outcomes |= {f"tests/api/test_health.py::test_case_{n}": "passed" for n in range(3)}
    results = {nodeid: RecordedResult(nodeid.split("::")[0], o) for nodeid, o in outcomes.items()}
    facts = RunFacts(6, "subset: tests/test_util.py tests/api", False, "failed", 0.0)
    return build_picture([RunResults(facts, results, {})])


def show_fixed_run(app: CockpitApp, known: KnownIssues = NO_KNOWN_ISSUES) -> Any:
    async def run_before(pilot: Pilot[int]) -> None:
        app.known = known
        app.query_one(RunHeader).project = "~/src/blog"  # not the test's temporary folder
        app.ending = "failed"
        app.run_elapsed = 4.5
        app._show_view(fixed_run())
        await pilot.pause()

    return run_before


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CockpitApp:
    monkeypatch.setenv("COCKPIT_CONFIG_DIR", str(tmp_path / "config"))
    project = tmp_path / "project"
    project.mkdir()
    return make_app(project, open_log=False)


@pytest.mark.parametrize("theme", ["cockpit-dark", "cockpit-light"])
def test_main_screen_in_two_themes(snap_compare: Any, app: CockpitApp, theme: str) -> None:
    app.requested_theme = theme
    assert snap_compare(
        app, press=["tab", "down"], terminal_size=(120, 36), run_before=show_fixed_run(app)
    )


def test_main_screen_at_80x24(snap_compare: Any, app: CockpitApp) -> None:
    """The tightest screen: the counts, a known issue's K marks and q quit all fit."""
    known = KnownIssues.of([(1, "Words are miscounted", ["tests/test_util.py::test_case_4"])])
    assert snap_compare(app, terminal_size=(80, 24), run_before=show_fixed_run(app, known))


def test_root_causes_at_120x36_high_contrast(snap_compare: Any, app: CockpitApp) -> None:
    app.requested_theme = "cockpit-contrast"
    assert snap_compare(app, press=["2"], terminal_size=(120, 36), run_before=show_fixed_run(app))
