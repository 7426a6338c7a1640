"""Running the same pytest run cold and warm, and what of their results must be equal."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cockpit.engine.interpreter import resolve_interpreter
from cockpit.engine.runner import PytestRun, RunRequest, RunResult
from cockpit.engine.summary import run_to_json
from cockpit.warm.starts import WarmStarts


def warm_starts(project: Path, notices: list[str] | None = None) -> WarmStarts:
    interpreter = resolve_interpreter(project, sys.executable).path
    sink = notices.append if notices is not None else None
    return WarmStarts(interpreter, project, project, on_notice=sink)


async def ready(starts: WarmStarts) -> None:
    """Start the server and wait until it serves (or has said why it will not)."""
    starts.prepare()
    if starts.starting is not None:
        await starts.starting


async def one_run(project: Path, args: Sequence[str], launcher: WarmStarts | None) -> RunResult:
    request = RunRequest(project=project, pytest_args=("-p", "no:cacheprovider", *args))
    run = PytestRun(request, resolve_interpreter(project, sys.executable), launcher)
    return await run.run()


def cold_and_warm(project: Path, *args: str) -> tuple[RunResult, RunResult]:
    """The run cold, then forked from a warm server started for it (then closed)."""

    async def both() -> tuple[RunResult, RunResult]:
        starts = warm_starts(project)
        try:
            await ready(starts)
            cold = await one_run(project, args, None)
            warm = await one_run(project, args, starts)
        finally:
            await starts.close()
        return cold, warm

    return asyncio.run(both())


def _addresses_out(text: str | None) -> str | None:
    """Object addresses (``<Config object at 0x7f...>``) differ between any two runs."""
    return re.sub(r"0x[0-9a-f]+", "0x?", text) if text else text


def comparable(result: RunResult) -> dict[str, Any]:
    """Everything a run reports but its timings: counts, outcomes, phases, failure texts,
    captured output, collection errors, the crash and the exit."""
    payload = run_to_json(result.state, result.exit_code, result.outcome, result.error)
    payload.pop("duration", None)
    for module in payload.get("modules", []):
        module.pop("duration", None)
    tests = {}
    for nodeid, record in result.state.tests.items():
        failure = record.failure
        tests[nodeid] = {
            "outcome": str(record.outcome),
            "skip_reason": record.skip_reason,
            "failure": None
            if failure is None
            else {
                "when": failure.when,
                "category": failure.category,
                "crash": failure.crash,
                "longrepr": _addresses_out(failure.longrepr),
                "stdout": failure.stdout,
                "stderr": failure.stderr,
                "log": failure.log,
                "wasxfail": failure.wasxfail,
            },
        }
    payload["tests"] = tests
    payload["warnings"] = sorted(
        (w.category, w.message, os.path.basename(w.filename), w.nodeid)
        for w in result.state.warnings
    )
    return payload
