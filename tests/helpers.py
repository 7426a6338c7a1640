"""Shared helpers for tests that drive cockpit's real runner and CLI."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cockpit.engine.ending import RunResult
from cockpit.engine.events import Event
from cockpit.engine.interpreter import resolve_interpreter
from cockpit.engine.runner import PytestRun, RunRequest
from cockpit.session.project import Project
from cockpit.store.session_log import SessionLog

PROJECTS = Path(__file__).resolve().parent / "projects"


def run_pytest(
    project: Path, *args: str, on_batch: Callable[[list[Event]], None] | None = None
) -> RunResult:
    """Run pytest under cockpit's runner with this interpreter, no cache written."""
    request = RunRequest(project=project, pytest_args=("-p", "no:cacheprovider", *args))
    run = PytestRun(request, resolve_interpreter(project, sys.executable))
    return asyncio.run(run.run(on_batch))


def open_log(project: Path, url: str | None = None) -> SessionLog:
    """The session log of ``project`` (its ``.cockpit/``, or ``url``), as a front opens it."""
    return Project.resolve(project, db=url).open_log()


def copy_project(name: str, destination: Path) -> Path:
    """A fresh copy of a project under tests/projects, so runs never write into the repo."""
    target = destination / name
    shutil.copytree(
        PROJECTS / name, target, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache")
    )
    return target


def cockpit(
    *args: str, cwd: Path, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``cockpit`` command line in a subprocess."""
    full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    full_env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def cockpit_json(*args: str, cwd: Path, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    completed = cockpit("run", "--json", "--python", sys.executable, *args, cwd=cwd, **kwargs)
    assert completed.stdout.strip(), completed.stderr
    return completed.returncode, json.loads(completed.stdout)


def heavy_imports(*args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run ``cockpit ARGS`` in-process in a fresh interpreter: its result, and which of
    SQLAlchemy, Alembic, rich, Textual and ``dataclasses`` it imported."""
    script = (
        "import sys, json\n"
        "from cockpit.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = ('sqlalchemy', 'alembic', 'rich', 'textual', 'dataclasses')\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))),"
        " file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = completed.stderr.strip().splitlines()
    return completed, json.loads(lines[-1]) if lines else []


def process_running(pid: int) -> bool:
    """Alive, and not a zombie waiting for its reaper (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def command_json(project: Path, *args: str) -> Any:
    """A session-log command's ``--json`` answer (it must succeed)."""
    completed = cockpit(*args, "--json", cwd=project)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)
