"""One pytest run for a front: started, recorded in the session log, its batches fanned out.

``cockpit run``, ``cockpit watch`` and the app all run tests the same way: a
:class:`~cockpit.engine.runner.PytestRun` in its own process group, recorded into the
session log as it streams, each batch of events handed to the front's view. This is that
wiring, written once. Nothing here blocks the event loop, and nothing that need not be
is on the way to pytest's start: the session log can be given as an *opener*, called
in a thread (with SQLAlchemy's import, the database insert and the walk of the project
tree for its source fingerprint) while pytest starts; the recording is finished in a
thread too. The process comes from the front's launcher: a fresh interpreter, or a fork
of the warm server (:class:`~cockpit.warm.starts.WarmStarts`); a warm run that crashed
offers :meth:`RecordedRun.cold_rerun`, so the front can tell a real crash from a fork's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.engine.command import selection_of
from cockpit.engine.early import EarlyStart
from cockpit.engine.ending import RunResult
from cockpit.engine.events import Event, ImportsSeen
from cockpit.engine.launch import ColdLauncher, Launcher, StartInfo
from cockpit.engine.runner import DEFAULT_CAPTURE_CAP, PytestRun, RunRequest
from cockpit.engine.state import RunOutcome, RunState
from cockpit.errors import EXIT_INTERRUPTED, EXIT_NOT_STARTED
from cockpit.rootcause.regression import RegressionGroup
from cockpit.session.project import Project
from cockpit.session.tracing import TracePlan, discard, plan_trace, take_in

if TYPE_CHECKING:
    from cockpit.store.recorder import RunRecorder
    from cockpit.store.session_log import SessionLog
    from cockpit.warm.starts import WarmStarts

OnBatch = Callable[[list[Event]], None]
LogOpener = Callable[[], "SessionLog"]


@dataclass(frozen=True, slots=True)
class RunPlan:
    """A selection to run, and the sentence that says why."""

    args: tuple[str, ...]
    reason: str
    traced: bool = True
    """Whether it may record the call map (an affected-test selection runs untraced)."""


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
        log: SessionLog | None = None,
        log_opener: LogOpener | None = None,
        reason: str | None = None,
        whole_suite: bool | None = None,
        capture_cap: int = DEFAULT_CAPTURE_CAP,
        keep_terminal: bool = False,
        launcher: Launcher | None = None,
        early: EarlyStart | None = None,
        trace: bool | TracePlan = True,
    ) -> None:
        """``trace``: whether the run may record the call map (decided here, see
        :mod:`cockpit.session.tracing`), or the plan an early start was given."""
        self.project = project
        self.log = log
        self.log_opener = log_opener
        """Called in a thread while pytest starts, when ``log`` is None: SQLAlchemy's
        import and the database's opening stay off the way to the child's start."""
        self.launcher = launcher
        self._judged_by: WarmStarts | None = None
        """Set on the cold rerun of a crashed warm run: told whether this one crashed too."""
        self.crashed_warm_of: str | None = None
        """On such a cold rerun: how the warm run it checks crashed."""
        recording = log is not None or log_opener is not None
        if isinstance(trace, TracePlan):
            self.trace_plan: TracePlan | None = trace
        else:
            wanted = trace and recording and early is None
            self.trace_plan = plan_trace(project.root, tuple(args), wanted=wanted)
        self.request = RunRequest(
            project=project.folder,
            pytest_args=tuple(args),
            capture_cap=capture_cap,
            keep_terminal=keep_terminal,
            cache_dir=project.cache_dir,
            root=project.root,
            call_map=self.trace_plan.prefix if self.trace_plan is not None else None,
        )
        self.run = PytestRun(self.request, project.require_interpreter(), launcher, early)
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
        if self.log is None and self.log_opener is not None:
            self.log = self.log_opener()
        if self.log is None:
            return None
        from cockpit.store.recorder import RunRecorder

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
        learning = self._after(result)
        await opening  # a failure to record surfaces here, after the run is over
        if self.recorder is not None:
            start = (result.start.mode, result.start.reason) if result.start else None
            await asyncio.to_thread(
                self.recorder.finish,
                result.exit_code,
                str(result.outcome),
                result.notices,
                start,
            )
        if learning is not None:
            await learning
        await self._take_in_map(result)
        return result

    async def _take_in_map(self, result: RunResult) -> None:
        """Store what a traced run recorded of each test's calls (side files removed)."""
        plan = self.trace_plan
        if plan is None:
            return
        if self.recorder is None or self.log is None or self.recorder.run_id is None:
            discard(plan)
            return
        ended = result.outcome in (RunOutcome.PASSED, RunOutcome.FAILED)
        await asyncio.to_thread(take_in, plan, self.log, self.recorder.run_id, ended)

    def _warm(self) -> WarmStarts | None:
        if self.launcher is None or isinstance(self.launcher, ColdLauncher):
            return None  # cold: the warm machinery is not even imported
        from cockpit.warm.starts import WarmStarts

        return self.launcher if isinstance(self.launcher, WarmStarts) else None

    def _after(self, result: RunResult) -> asyncio.Future[None] | None:
        """What warm starts learn from a run: the libraries it imported (kept for the next
        server even by a cold run), and a crash's verdict."""
        starts = self._warm()
        imports = result.state.imports
        if self._judged_by is not None and self.crashed_warm_of is not None:
            crashed = result.outcome is RunOutcome.CRASHED
            self._judged_by.judge_crash(crashed, self.crashed_warm_of)
        if imports is None:
            return None
        interpreter = None if starts else self.project.require_interpreter().path
        complete = (
            imports.complete
            and self.whole_suite
            and result.outcome in (RunOutcome.PASSED, RunOutcome.FAILED)
            and not result.state.collection_errors
        )
        learning = asyncio.to_thread(_learn, self.project.root, interpreter, imports, complete)
        if starts is None:
            return asyncio.ensure_future(learning)
        return asyncio.ensure_future(_both(starts.learn(imports.modules), learning))

    def cold_rerun(self) -> RecordedRun | None:
        """When this run was forked warm and crashed: the same run, cold, to tell a crash
        of the fork from a crash of the tests (None otherwise). Its result decides
        whether warm starts go on (:meth:`WarmStarts.judge_crash`)."""
        result = self.result
        starts = self._warm()
        if (
            result is None
            or starts is None
            or result.start is None
            or not result.start.warm
            or result.outcome is not RunOutcome.CRASHED
        ):
            return None
        how = result.error or "crashed"
        rerun = RecordedRun(
            self.project,
            self.request.pytest_args,
            log=self.log,
            log_opener=self.log_opener if self.log is None else None,
            reason=f"{self.reason} (rerun cold: the warm run crashed)"[:500],
            whole_suite=self.whole_suite,
            capture_cap=self.request.capture_cap,
            keep_terminal=self.request.keep_terminal,
            launcher=ColdLauncher(StartInfo(False, f"rerun cold: the warm run {how}"[:500])),
        )
        rerun._judged_by = starts
        rerun.crashed_warm_of = how
        return rerun

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


def _learn(root: Path, interpreter: Path | None, imports: ImportsSeen, complete: bool) -> None:
    """What a run's imports teach (blocking: in a thread): the edges of its imports by
    computed name (``complete``: every load of them, see ``computed_imports``), and, for a
    cold run (``interpreter``), its libraries, for the warm server of a later session."""
    if imports.computed or complete:
        from cockpit.watch.computed_imports import ComputedImports

        ComputedImports(root).learn(imports.computed, complete=complete)
    if interpreter is not None and imports.modules:
        from cockpit.warm.preload import PreloadList, preload_file

        PreloadList(preload_file(root, interpreter), interpreter).learn(imports.modules)


async def _both(first: Awaitable[None], second: Awaitable[None]) -> None:
    await asyncio.gather(first, second)
