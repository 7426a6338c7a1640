"""A warm run (forked from the warm server) reports exactly what a cold run does.

Every project of the engine's end-to-end tests runs both ways through the real runner
and real pytest processes; everything but the timings must be equal: counts, outcomes,
failure texts, captured output, warnings, collection errors, crashes and exit codes.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cockpit.engine.state import RunOutcome
from tests.helpers import copy_project
from tests.warm.warm_support import cold_and_warm, comparable, one_run, ready, warm_starts

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("outcomes", ()),
        ("collection_error", ()),
        ("sqla_missing_import", ()),
        ("crash", ("-k", "before or segfault")),
        ("crash", ("-k", "before or os_exit")),
        ("crash", ("-k", "before or sigkill")),
        ("collection_error", ("--no-such-option",)),
        ("collection_error", ("tests/nothere.py",)),
        ("empty", ()),
    ],
)
def test_a_warm_run_reports_what_a_cold_run_does(
    tmp_path: Path, name: str, args: tuple[str, ...]
) -> None:
    project = copy_project(name, tmp_path)
    cold, warm = cold_and_warm(project, *args)
    assert cold.start is not None and not cold.start.warm
    assert warm.start is not None and warm.start.warm, warm.start
    assert comparable(warm) == comparable(cold)
    assert warm.stderr_tail.count("Fatal Python error") == cold.stderr_tail.count(
        "Fatal Python error"
    )


def test_a_crash_in_a_fork_names_the_test_as_a_cold_crash_does(tmp_path: Path) -> None:
    project = copy_project("crash", tmp_path)
    _, warm = cold_and_warm(project, "-k", "before or segfault")
    assert warm.outcome is RunOutcome.CRASHED and warm.exit_code == 6
    assert warm.state.crashed_test == "tests/test_crash.py::test_segfault"
    assert warm.error == "the pytest process was killed by SIGSEGV while running " + (
        "tests/test_crash.py::test_segfault"
    )
    assert "test_segfault" in warm.stderr_tail  # faulthandler's traceback, as cold


def test_a_test_that_mutates_library_state_cannot_leak_into_the_next_run(
    tmp_path: Path,
) -> None:
    """json (standard library) and sqlalchemy (installed) are preloaded in the server after
    the first run: each fork mutates them, the environment and sys.path; the next fork
    starts from the server's untouched copy."""
    project = copy_project("warm_state", tmp_path)

    async def runs() -> list[tuple[bool, RunOutcome]]:
        starts = warm_starts(project)
        seen = []
        try:
            for _ in range(4):
                await ready(starts)
                result = await one_run(project, (), starts)
                assert result.state.imports is not None
                await starts.learn(result.state.imports.modules)
                assert result.start is not None
                seen.append((result.start.warm, result.outcome))
            assert {"json", "sqlalchemy"} <= set(starts.preload.modules)
            assert starts.server is not None and starts.server.hello is not None
            assert starts.server.hello.preloaded > 0
        finally:
            await starts.close()
        return seen

    assert asyncio.run(runs()) == [(True, RunOutcome.PASSED)] * 4
