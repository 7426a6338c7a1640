"""The runner's process handling: cancellation escalates and leaves no process behind."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from cockpit.engine.ending import pytest_error_line
from cockpit.engine.interpreter import resolve_interpreter
from cockpit.engine.runner import PytestRun, RunRequest, TailBuffer
from cockpit.engine.state import RunOutcome
from tests.helpers import copy_project

pytestmark = pytest.mark.slow


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); read its state
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


async def run_until_running_then_cancel(
    project: Path, selection: str, env_pid_file: Path | None = None
) -> tuple[PytestRun, float]:
    if env_pid_file is not None:
        os.environ["HANG_PID_FILE"] = str(env_pid_file)
    request = RunRequest(project=project, pytest_args=("-p", "no:cacheprovider", "-k", selection))
    run = PytestRun(request, resolve_interpreter(project, sys.executable))
    task = asyncio.create_task(run.run())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not run.state.running_tests or (env_pid_file and not env_pid_file.exists()):
        assert loop.time() < deadline, "the hanging test never started"
        await asyncio.sleep(0.05)
    started = loop.time()
    await run.cancel()
    result = await task
    assert result.state is run.state
    return run, loop.time() - started


def test_sigint_interrupts_a_hanging_test(tmp_path: Path) -> None:
    project = copy_project("hang", tmp_path)
    run, took = asyncio.run(run_until_running_then_cancel(project, "quick or sleeps_forever"))
    assert run.process is not None and not alive(run.process.pid)
    assert run.state.outcome is RunOutcome.INTERRUPTED
    assert run.state.totals.passed == 1
    assert took < 3.0  # SIGINT was enough


def test_sigint_ignored_escalates_to_sigterm(tmp_path: Path) -> None:
    project = copy_project("hang", tmp_path)
    run, took = asyncio.run(run_until_running_then_cancel(project, "ignores_sigint"))
    assert run.process is not None and not alive(run.process.pid)
    assert run.process.returncode is not None and run.process.returncode < 0
    assert took >= 2.5  # waited out the SIGINT grace period first


def test_grandchildren_are_reaped(tmp_path: Path) -> None:
    project = copy_project("hang", tmp_path)
    pid_file = tmp_path / "grandchild.pid"
    try:
        run, _ = asyncio.run(run_until_running_then_cancel(project, "spawns_child", pid_file))
    finally:
        os.environ.pop("HANG_PID_FILE", None)
    grandchild = int(pid_file.read_text())
    assert run.state.outcome is RunOutcome.INTERRUPTED  # pytest itself ended on SIGINT...
    assert not alive(grandchild)  # ...and the child that ignores SIGINT/SIGTERM was killed


def test_tail_buffer_keeps_the_end_within_its_limit() -> None:
    buffer = TailBuffer(limit=10)
    for chunk in (b"abc", b"defgh", b"ijklmnop", b"\xff\xfe"):
        buffer.write(chunk)
    assert buffer.text().endswith("mnop\ufffd\ufffd")
    assert len(buffer.text().encode("utf-8", "replace")) <= 10 * 3
    assert buffer.size - len(buffer.chunks[0]) < 10


@pytest.mark.parametrize(
    "stderr",
    [
        "ERROR: usage: pytest [options]\npytest: error: unrecognized arguments: --nope\n",
        "usage: __main__.py [options]\n__main__.py: error: unrecognized arguments: --nope\n",
    ],
)
def test_the_usage_error_line_of_pytest_8_and_9(stderr: str) -> None:
    assert pytest_error_line(stderr) == "unrecognized arguments: --nope"


def test_event_lines_are_decoded_in_slices_that_leave_the_loop_free() -> None:
    from cockpit.engine.stream import SLICE_BYTES, SLICE_LINES, slices

    lines = [b"x"] * (SLICE_LINES * 2 + 3)
    assert slices(lines) == [
        (0, SLICE_LINES),
        (SLICE_LINES, 2 * SLICE_LINES),
        (2 * SLICE_LINES, 2 * SLICE_LINES + 3),
    ]
    big = [b"y" * SLICE_BYTES, b"z", b"w"]
    assert slices(big) == [(0, 1), (1, 3)]
    assert slices([]) == []
