"""Rerunning failing tests alone, in fresh pytest processes, in parallel across cores.

Every rerun is a real cockpit-streamed pytest child (:class:`cockpit.engine.runner.PytestRun`):
its own process group, its outcomes read from the event stream, never from terminal
text. Reruns disable random ordering (``-p no:randomly``) so a bisection replays the
recorded order, and pytest's cache (``-p no:cacheprovider``) so they never touch the
``--lf`` data of the user's real runs. Cancelling :func:`isolate_tests` cancels every
rerun, and each one takes its whole process group down with it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from cockpit.engine.ending import RunResult
from cockpit.engine.interpreter import Interpreter
from cockpit.engine.launch import ColdLauncher, Launcher, StartInfo
from cockpit.engine.outcomes import FAILING
from cockpit.engine.runner import PytestRun, RunRequest
from cockpit.engine.state import RunOutcome, TestOutcome, TestRecord
from cockpit.errors import EXIT_NOT_STARTED, CockpitError
from cockpit.isolation.verdicts import Bisection, IsolationVerdict, Verdict, classify

T = TypeVar("T")

RERUN_ARGS = ("-p", "no:randomly", "-p", "no:cacheprovider")
"""Added to every rerun: the order given is the order run, and the user's cache is kept."""


class IsolationError(CockpitError):
    """A rerun could not run the test at all (unknown node id, no pytest); one line."""


def _record_for(result: RunResult, target: str) -> TestRecord | None:
    """The target's record, also when pytest names it relative to another rootdir."""
    tests = result.state.tests
    if target in tests:
        return tests[target]
    close = [record for nodeid, record in tests.items() if target.endswith("/" + nodeid)]
    return close[0] if len(close) == 1 else None


def outcome_of(result: RunResult, target: str) -> str:
    """The target's outcome in a finished rerun, or :class:`IsolationError` if it never ran."""
    record = _record_for(result, target)
    if record is not None and record.outcome not in (TestOutcome.PENDING, TestOutcome.RUNNING):
        return str(record.outcome)
    if result.state.collection_errors:
        return str(TestOutcome.ERROR)  # its module does not even import: a real failure
    if result.outcome is RunOutcome.CRASHED:
        return str(TestOutcome.CRASHED)
    if result.exit_code == EXIT_NOT_STARTED:
        raise IsolationError(result.error or "pytest could not be started", EXIT_NOT_STARTED)
    detail = result.error or f"pytest ended {result.outcome} without running it"
    raise IsolationError(
        f"pytest could not run {target}: {detail}; name tests by their node id "
        "(cockpit history NODEID shows a recorded one)"
    )


class Rerunner:
    """Starts reruns, at most ``jobs`` at a time."""

    def __init__(
        self,
        project: Path,
        interpreter: Interpreter,
        jobs: int | None = None,
        launcher: Launcher | None = None,
    ) -> None:
        if jobs is not None and jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.project = project
        self.interpreter = interpreter
        self.launcher = launcher
        self.slots = asyncio.Semaphore(jobs or os.cpu_count() or 1)

    async def outcome(self, target: str, before: Sequence[str] = ()) -> str:
        """Run ``before + [target]`` in one fresh process; the target's outcome."""
        request = RunRequest(project=self.project, pytest_args=(*RERUN_ARGS, *before, target))
        async with self.slots:
            result = await self._rerun(request, target, len(before), self.launcher)
            start = result.start
            if start is not None and start.warm and result.outcome is RunOutcome.CRASHED:
                cold = ColdLauncher(StartInfo(False, "rerun cold: the warm run crashed"))
                warm_result, result = result, await self._rerun(request, target, len(before), cold)
                judge = getattr(self.launcher, "judge_crash", None)
                if judge is not None:
                    judge(result.outcome is RunOutcome.CRASHED, warm_result.error or "crashed")
        return outcome_of(result, target)

    async def _rerun(
        self, request: RunRequest, target: str, before: int, launcher: Launcher | None
    ) -> RunResult:
        run = PytestRun(request, self.interpreter, launcher)
        try:
            return await run.run()
        except asyncio.CancelledError:
            # A second cancel can cut the run's own clean-up short: finish it shielded,
            # so no cancel, however repeated, leaves a pytest process behind.
            await asyncio.shield(run.cancel())
            raise
        except OSError as error:  # E2BIG: too many node ids before it for one argv
            raise IsolationError(
                f"cannot start pytest for {target} after {before} other tests: "
                f"{error.strerror or error}",
                EXIT_NOT_STARTED,
            ) from None

    async def repeats(self, target: str, count: int) -> tuple[str, ...]:
        """The target alone in ``count`` fresh processes, in parallel."""
        return tuple(await _all([self.outcome(target) for _ in range(count)]))

    async def polluter(self, target: str, run_order: Sequence[str]) -> str | None:
        """The earlier test of ``run_order`` that makes ``target`` fail, if one does."""
        bisection = Bisection.start(target, run_order)
        while (probe := bisection.probe()) is not None:
            failed = await self.outcome(target, probe) in FAILING
            bisection = bisection.after(failed)
        return bisection.polluter


async def _all(awaitables: Sequence[Awaitable[T]]) -> list[T]:
    """Await all, in order; on the first error or a cancel, cancel and reap the rest."""
    tasks = [asyncio.ensure_future(awaitable) for awaitable in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for task in tasks:
            if not task.done() and not task.cancelling():
                task.cancel()  # once: a second cancel would interrupt its clean-up
        await asyncio.gather(*tasks, return_exceptions=True)


async def isolate_tests(
    request_project: Path,
    interpreter: Interpreter,
    nodeids: Sequence[str],
    *,
    repeats: int = 3,
    jobs: int | None = None,
    on_verdict: Callable[[IsolationVerdict], None] | None = None,
    run_order: Sequence[str] | None = None,
    launcher: Launcher | None = None,
) -> list[IsolationVerdict]:
    """Rerun each test alone ``repeats`` times and classify it; verdicts in ``nodeids`` order.

    With ``run_order`` (the failing run's tests in the order they ran), each test that
    passes alone is bisected against the tests that ran before it to name its polluter.
    ``on_verdict`` is called on the event loop as each test's verdict is final.
    Cancelling the task stops every pytest process it started.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    rerunner = Rerunner(request_project, interpreter, jobs, launcher)

    async def one(nodeid: str) -> IsolationVerdict:
        outcomes = await rerunner.repeats(nodeid, repeats)
        verdict = IsolationVerdict(nodeid, classify(outcomes), outcomes)
        if verdict.verdict is Verdict.PASSES_ALONE and run_order:
            verdict = IsolationVerdict(
                nodeid, verdict.verdict, outcomes, await rerunner.polluter(nodeid, run_order)
            )
        if on_verdict is not None:
            on_verdict(verdict)
        return verdict

    return await _all([one(nodeid) for nodeid in dict.fromkeys(nodeids)])
