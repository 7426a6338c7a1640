"""The app's runs fork from its warm server: started in the background as the app opens,
used by a, f, r, enter and i, and stopped by q (no process of cockpit's left behind)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from cockpit.app.app import CockpitApp
from cockpit.store import log_queries
from tests.app.app_support import make_app, run_and_settle, settle
from tests.helpers import copy_project, open_log

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("COCKPIT_DB_URL", raising=False)


async def _server_ready(app: CockpitApp) -> int:
    deadline = time.monotonic() + 60
    while True:
        warm = app.warm
        if warm is not None and warm.server is not None and warm.server.alive:
            assert warm.server.process is not None
            return warm.server.process.pid
        assert time.monotonic() < deadline, "the warm server never came up"
        await asyncio.sleep(0.05)


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] == "Z"
    except FileNotFoundError:
        return True


def test_a_f_and_enter_fork_from_the_warm_server_and_q_stops_it(tmp_path: Path) -> None:
    project = copy_project("app_small", tmp_path)
    servers: list[int] = []

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        servers.append(await _server_ready(app))
        await run_and_settle(pilot, "a")
        servers.append(await _server_ready(app))  # restarted with what the run imported
        await run_and_settle(pilot, "f")
        await run_and_settle(pilot, "enter")
        await app.action_quit_cockpit()

    async def main() -> None:
        app = make_app(project, warm=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await scenario(app, pilot)

    asyncio.run(main())
    log = open_log(project)
    try:
        runs = log_queries.runs(log.rows)
    finally:
        log.close()
    assert [run.start_mode for run in reversed(runs)] == ["warm", "warm", "warm"]
    assert all(run.start_reason.startswith("forked from the warm server") for run in runs)
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in servers):
        assert time.monotonic() < deadline, f"a warm server outlived the app: {servers}"
        time.sleep(0.05)
