"""One pytest run for a front: started, recorded in the session log, its batches fanned out.

``cockpit run``, ``cockpit watch`` and the app all run tests the same way: a
:class:`~cockpit.engine.runner.PytestRun` in its own process group, recorded into the
session log as it streams, each batch of events handed to the front's view. This is that
wiring, written once. Nothing here blocks the event loop: the run record (a database
insert and a walk of the project tree for its source fingerprint) is opened in a thread
while pytest starts, and the recording is finished in a thread too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cockpit.engine.command import selection_of
from cockpit.engine.ending import RunResult
from cockpit.engine.events import Event
from cockpit.engine.runner import DEFAULT_CAPTURE_CAP, PytestRun, RunRequest
from cockpit.engine.state import RunState
from cockpit.errors import EXIT_INTERRUPTED, EXIT_NOT_STARTED
from cockpit.rootcause.regression import RegressionGroup
from cockpit.session.project import Project
from cockpit.store.recorder import RunRecorder
from cockpit.store.session_log import SessionLog

OnBatch = Callable[[list[Event]], None]


@dataclass(frozen=True, slots=True)
class RunPlan:
    """A selection to run, and the sentence that says why."""

    args: tuple[str, ...]
    reason: str


ALL_TESTS = RunPlan((), "the whole suite")


def plan_for_tests(nodeids: Sequence[str], reason: str) -> RunPlan:
    """Run these tests; ``--lf`` style would miss tests that never failed, so name them."""
    return RunPlan(tuple(dict.fromkeys(nodeids)), reason)


def recorded_reason(args: Sequence[str], reason: str | None = None) -> tuple[bool, str]:
    """Whether ``args`` run the whole suite, and the selection as the session log keeps it:
    what they select, after why the front asked for it when it says more."""
    whole_suite, selection = selection_of(args)
    if reason is None or reason == selection:
        return whole_suite, selection
    return whole_suite, f"{reason} ({selection})"


class RecordedRun:
    """One run: streams, records, hands every batch on, and can be cancelled at any moment."""

    def __init__(
        self,
        project: Project,
        args: Sequence[str],
        *,
        log: SessionLog | None,
        reason: str | None = None,
        whole_suite: bool | None = None,
        capture_cap: int = DEFAULT_CAPTURE_CAP,
        keep_terminal: bool = False,
    ) -> None:
        self.project = project
        self.log = log
        self.request = RunRequest(
            project=project.folder,
            pytest_args=tuple(args),
            capture_cap=capture_cap,
            keep_terminal=keep_terminal,
            cache_dir=project.cache_dir,
        )
        self.run = PytestRun(self.request, project.require_interpreter())
        whole, selection = selection_of(args)
        self.reason = selection if reason is None else reason
        """The selection as the session log keeps it (default: what ``args`` select)."""
        self.whole_suite = whole if whole_suite is None else whole_suite
        self.recorder: RunRecorder | None = None
        self.result: RunResult | None = None
        """How the run ended, as soon as it has (before the recording is finished)."""

    @property
    def state(self) -> RunState:
        return self.run.state

    @property
    def regressions(self) -> dict[str, RegressionGroup]:
        """The run's failures regrouped as regressions when its recording finished."""
        return self.recorder.regressions if self.recorder is not None else {}

    @property
    def run_id(self) -> int | None:
        return self.recorder.run_id if self.recorder is not None else None

    def _open_recorder(self) -> RunRecorder | None:
        """The run's record in the session log (blocking: called in a thread)."""
        if self.log is None:
            return None
        interpreter = self.project.require_interpreter()
        return RunRecorder(
            self.log,
            self.run.state,
            self.request.pytest_args,
            whole_suite=self.whole_suite,
            selection_reason=self.reason[:500],
            interpreter=str(interpreter.path),
            project=self.project.root,  # its files' fingerprint: flakiness
        )

    async def execute(self, on_batch: OnBatch | None = None) -> RunResult:
        """Run to the end (or the cancel); every batch goes to the recording, then to
        ``on_batch``. Batches that arrive before the record is open wait for it. A failure
        of the session log is raised once the run is over (``self.result`` holds it)."""
        opening = asyncio.create_task(asyncio.to_thread(self._open_recorder))
        waiting: list[list[Event]] = []

        def fan_out(batch: list[Event]) -> None:
            if self.recorder is not None:
                self.recorder.on_batch(batch)
            elif not opening.done() or opening.exception() is None:
                waiting.append(batch)
            if on_batch is not None:
                on_batch(batch)

        def recorder_ready(task: asyncio.Task[RunRecorder | None]) -> None:
            if task.cancelled() or task.exception() is not None:
                return
            self.recorder = task.result()
            if self.recorder is not None:
                for batch in waiting:
                    self.recorder.on_batch(batch)
            waiting.clear()

        opening.add_done_callback(recorder_ready)
        try:
            result = await self.run.run(fan_out)
        except OSError:  # pytest could not be started at all
            await asyncio.shield(self._close_record(opening, EXIT_NOT_STARTED, "usage-error"))
            raise
        except asyncio.CancelledError:  # the front went away mid-run
            await asyncio.shield(self._close_record(opening, EXIT_INTERRUPTED, "interrupted"))
            raise
        self.result = result
        await opening  # a failure to record surfaces here, after the run is over
        if self.recorder is not None:
            await asyncio.to_thread(
                self.recorder.finish, result.exit_code, str(result.outcome), result.notices
            )
        return result

    async def _close_record(
        self, opening: asyncio.Task[RunRecorder | None], exit_code: int, outcome: str
    ) -> None:
        """End the record of a run that did not end by itself (if it was opened)."""
        if self.run.process is not None and self.run.process.returncode is None:
            await self.run.cancel()
        try:
            recorder = await opening
        except Exception:
            return
        if recorder is not None:
            await asyncio.to_thread(recorder.finish, exit_code, outcome)

    async def cancel(self) -> None:
        await self.run.cancel()
