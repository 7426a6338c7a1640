"""Starting, recording and cancelling the app's pytest runs. Asyncio only, no Textual.

One :class:`Project` per app: where the tests are, which interpreter runs them, the
session log, and the filters (``-k``, ``-m``) the user has set. :meth:`Project.start`
gives an :class:`ActiveRun`, the same engine ``cockpit run`` uses (a pytest child in its
own process group streaming events), recorded into the session log as it streams.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.command import selection_of
from cockpit.events import Event
from cockpit.interpreter import Interpreter
from cockpit.runner import DEFAULT_CAPTURE_CAP, PytestRun, RunRequest, RunResult
from cockpit.store.paths import find_project_root
from cockpit.store.recorder import RunRecorder
from cockpit.store.session_log import SessionLog


@dataclass(frozen=True, slots=True)
class RunPlan:
    """A selection to run, and the sentence that says why."""

    args: tuple[str, ...]
    reason: str


ALL_TESTS = RunPlan((), "the whole suite")


def plan_for_tests(nodeids: Sequence[str], reason: str) -> RunPlan:
    """Run these tests; ``--lf`` style would miss tests that never failed, so name them."""
    return RunPlan(tuple(dict.fromkeys(nodeids)), reason)


@dataclass(slots=True)
class Project:
    """The project the app works on, and the filters applied to every run it starts."""

    root: Path
    interpreter: Interpreter
    log: SessionLog | None
    cache_dir: Path | None = None
    capture_cap: int = DEFAULT_CAPTURE_CAP
    keyword: str = ""
    marker: str = ""
    extra_args: tuple[str, ...] = field(default=())
    """The pytest arguments the app was started with (``cockpit -- -n 2``), on every run."""

    def filter_args(self) -> tuple[str, ...]:
        args: list[str] = list(self.extra_args)
        if self.keyword:
            args += ["-k", self.keyword]
        if self.marker:
            args += ["-m", self.marker]
        return tuple(args)

    def start(self, plan: RunPlan) -> ActiveRun:
        args = (*self.filter_args(), *plan.args)
        request = RunRequest(
            project=self.root,
            pytest_args=args,
            capture_cap=self.capture_cap,
            cache_dir=self.cache_dir,
        )
        return ActiveRun(plan, PytestRun(request, self.interpreter), self)


class ActiveRun:
    """One run the app started: streams, records, and can be cancelled at any moment."""

    def __init__(self, plan: RunPlan, run: PytestRun, project: Project) -> None:
        self.plan = plan
        self.run = run
        self.recorder: RunRecorder | None = None
        if project.log is not None:
            args = run.request.pytest_args
            whole_suite, selection = selection_of(args)
            reason = plan.reason if plan.reason == selection else f"{plan.reason} ({selection})"
            self.recorder = RunRecorder(
                project.log,
                run.state,
                args,
                whole_suite=whole_suite,
                selection_reason=reason,
                interpreter=str(project.interpreter.path),
                project=find_project_root(project.root),  # its files' fingerprint: flakiness
            )

    @property
    def run_id(self) -> int | None:
        return self.recorder.run_id if self.recorder else None

    async def execute(self, on_batch: Callable[[list[Event]], None]) -> RunResult:
        """Run to the end (or the cancel), then write the recording's last batch."""
        recorder = self.recorder

        def both(batch: list[Event]) -> None:
            if recorder is not None:
                recorder.on_batch(batch)
            on_batch(batch)

        try:
            result = await self.run.run(both)
        finally:
            if self.run.process is not None and self.run.process.returncode is None:
                await asyncio.shield(self.run.cancel())
        if recorder is not None:
            await asyncio.to_thread(recorder.finish, result)
        return result

    async def cancel(self) -> None:
        await self.run.cancel()
