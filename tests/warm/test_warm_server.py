"""The warm server's life: it serves only what is safe to fork, restarts when what it
preloaded may be stale, says why a run went cold, and never outlives its cockpit."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit.engine.interpreter import resolve_interpreter
from cockpit.engine.state import RunOutcome
from cockpit.session.project import Project
from cockpit.session.recorded_run import RecordedRun
from cockpit.warm import fingerprint
from cockpit.warm.server import WarmServer
from cockpit.warm.starts import server_environment
from tests.helpers import copy_project
from tests.warm.warm_support import one_run, ready, warm_starts

pytestmark = pytest.mark.slow


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_the_server_exits_when_its_cockpit_is_killed(tmp_path: Path) -> None:
    project = copy_project("app_small", tmp_path)
    code = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from tests.warm.warm_support import ready, warm_starts\n"
        "async def main():\n"
        f"    starts = warm_starts(Path({str(project)!r}))\n"
        "    await ready(starts)\n"
        "    print(starts.server.process.pid, flush=True)\n"
        "    await asyncio.sleep(600)\n"
        "asyncio.run(main())\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    server_pid = int(holder.stdout.readline())
    assert _alive(server_pid)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    deadline = time.monotonic() + 10
    while _alive(server_pid):
        assert time.monotonic() < deadline, "the warm server outlived its cockpit"
        time.sleep(0.05)


def test_a_module_that_starts_a_thread_or_warns_is_not_preloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    libraries = tmp_path / "libs"
    libraries.mkdir()
    (libraries / "threadlib.py").write_text(
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
    )
    (libraries / "warnlib.py").write_text(
        "import warnings\nwarnings.warn('threadlib is old', DeprecationWarning)\n"
    )
    (libraries / "finelib.py").write_text("VALUE = 1\n")
    monkeypatch.setenv("PYTHONPATH", str(libraries))
    project = copy_project("app_small", tmp_path)
    notices: list[str] = []

    async def runs() -> tuple[bool, list[str], list[str]]:
        starts = warm_starts(project, notices)
        starts.preload.modules = ["finelib", "threadlib", "warnlib"]
        starts.preload.save()
        try:
            await ready(starts)
            result = await one_run(project, (), starts)
            assert result.outcome in (RunOutcome.PASSED, RunOutcome.FAILED)
            assert result.start is not None
            return result.start.warm, starts.preload.modules, starts.preload.excluded
        finally:
            await starts.close()

    warm, modules, excluded = asyncio.run(runs())
    assert warm
    assert excluded == ["threadlib", "warnlib"]
    assert "finelib" in modules
    assert any("threadlib starts a thread when imported" in n for n in notices), notices
    assert any("warnlib warns when imported (DeprecationWarning" in n for n in notices), notices


def test_project_code_is_never_imported_in_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when it is importable (on PYTHONPATH, as a src layout or an editable install
    makes it) and named in the preload list."""
    project = copy_project("app_small", tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(project))
    preload = tmp_path / "preload.json"
    preload.write_text(json.dumps({"modules": ["app", "app.models", "json"]}))
    interpreter = resolve_interpreter(project, sys.executable).path

    async def hello() -> tuple[bool, tuple[str, ...]]:
        server = WarmServer(interpreter, project, project, server_environment())
        said = await server.start(preload)
        await server.close()
        return said.ok, said.skipped

    ok, skipped = asyncio.run(hello())
    assert ok
    assert skipped == ("app (ImportError)", "app.models (ImportError)")


def test_a_changed_configuration_restarts_the_server_and_says_why(tmp_path: Path) -> None:
    project = copy_project("app_small", tmp_path)

    async def runs() -> list[tuple[bool, str]]:
        starts = warm_starts(project)
        starts_seen = []
        try:
            for step in range(3):
                await ready(starts)
                if step == 1:
                    ini = project / "pytest.ini"
                    ini.write_text(ini.read_text() + "\n# changed\n")
                result = await one_run(project, (), starts)
                assert result.start is not None
                starts_seen.append((result.start.warm, result.start.reason))
        finally:
            await starts.close()
        return starts_seen

    first, changed, after = asyncio.run(runs())
    assert first[0] and after[0]
    assert changed == (False, "pytest's configuration changed; the warm server restarts")


def test_a_crash_only_a_fork_has_is_rerun_cold_and_stops_warm_starts(tmp_path: Path) -> None:
    project_folder = copy_project("warm_crash", tmp_path)
    project = Project.resolve(project_folder, python=sys.executable, runs_tests=True)
    notices: list[str] = []

    async def runs() -> tuple[RecordedRun, RecordedRun, RecordedRun]:
        starts = project.warm_starts(notices.append)
        try:
            await ready(starts)
            warm = RecordedRun(project, ["-p", "no:cacheprovider"], launcher=starts)
            await warm.execute()
            cold = warm.cold_rerun()
            assert cold is not None
            await cold.execute()
            later = RecordedRun(project, ["-p", "no:cacheprovider"], launcher=starts)
            await later.execute()
        finally:
            await starts.close()
        return warm, cold, later

    warm, cold, later = asyncio.run(runs())
    assert warm.result is not None and warm.result.outcome is RunOutcome.CRASHED
    assert cold.result is not None and cold.result.outcome is RunOutcome.PASSED
    assert later.result is not None and later.result.start is not None
    assert not later.result.start.warm
    assert later.result.start.reason.startswith("a warm run crashed (the pytest process was")
    assert later.result.start.reason.endswith("where a cold run did not")
    assert later.result.outcome is RunOutcome.PASSED
    assert sum("cold starts from now on" in notice for notice in notices) == 1


def test_the_fingerprint_names_what_changed(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    args = (Path(sys.executable), tmp_path, tmp_path)
    before = fingerprint.take(*args, {"A": "1", "COCKPIT_X": "1"}, [str(site)], ["json"])
    same = fingerprint.take(*args, {"A": "1", "COCKPIT_X": "2"}, [str(site)], ["json"])
    assert fingerprint.difference(before, same) is None
    env = fingerprint.take(*args, {"A": "2", "PYTEST_ADDOPTS": "-x"}, [str(site)], ["json"])
    assert fingerprint.difference(before, env) == ("the environment changed (A, PYTEST_ADDOPTS)")
    os.utime(site, ns=(1, 1))
    (site / "newpkg-1.0.dist-info").mkdir()
    installed = fingerprint.take(*args, {"A": "1"}, [str(site)], ["json"])
    assert fingerprint.difference(before, installed) == "the installed packages changed"
    more = fingerprint.take(*args, {"A": "1"}, [str(site)], ["json", "decimal"])
    assert fingerprint.difference(installed, more) == "the modules to preload changed"
    (tmp_path / "tox.ini").write_text("[pytest]\n")
    config = fingerprint.take(*args, {"A": "1"}, [str(site)], ["json", "decimal"])
    assert fingerprint.difference(more, config) == "pytest's configuration changed"
