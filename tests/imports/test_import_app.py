"""The app opens on an imported CI run like on any other, and reruns its failures locally."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot

from cockpit.app.app import CockpitApp
from cockpit.app.widgets.clusters_panel import ClustersPanel
from cockpit.app.widgets.run_header import RunHeader
from cockpit.imports.record import ImportRequest, import_files
from tests.app.app_support import make_app, run_and_settle, settle, text_of
from tests.helpers import copy_project, open_log

pytestmark = pytest.mark.slow
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(autouse=True)
def _own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("COCKPIT_DB_URL", raising=False)


def test_the_app_opens_on_the_imported_run_and_f_reruns_its_failures(tmp_path: Path) -> None:
    project = copy_project("app_small", tmp_path)
    log = open_log(project)
    shards = (GOLDEN / "app_small.shard-1.xml", GOLDEN / "app_small.shard-2.xml")
    imported = import_files(log, ImportRequest(files=shards, project_root=project)).run_id
    log.close()

    async def scenario(app: CockpitApp, pilot: Pilot[int]) -> None:
        assert app.view is not None and app.view.run_id == imported and not app.view.live
        assert "imported from CI: 2 files" in text_of(app.query_one(RunHeader).query_one("#status"))
        assert app.view.state.totals.failed == 10 and app.view.state.totals.errors == 10
        assert app.query_one(ClustersPanel).clusters[0].count == 20
        await run_and_settle(pilot, "f")  # the CI's failures, run here
        assert app.view.live and app.view.state.collected == 20

    async def main() -> None:
        async with make_app(project).run_test(size=(200, 40)) as pilot:  # the reason whole
            await settle(pilot)
            await scenario(pilot.app, pilot)  # type: ignore[arg-type]

    asyncio.run(main())
    log = open_log(project)
    runs = [(run.id, run.selection_reason, run.failed, run.errors) for run in log.runs()]
    log.close()
    assert runs[0][1].startswith(f"failed tests of run {imported} (20)")
    assert runs[0][2:] == (10, 10)
