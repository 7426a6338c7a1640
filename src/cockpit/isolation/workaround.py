"""Checking a known issue's ``-k`` / ``-m`` workaround with real collect-only runs.

The workaround is stored with exactly the tests it deselects (all collected tests minus
those still collected with it), and refused when it deselects none of the tests the known
issue names: a workaround that does not work is worse than none.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from cockpit.engine.interpreter import Interpreter
from cockpit.engine.runner import PytestRun, RunRequest


class WorkaroundError(Exception):
    """The workaround is malformed or does not deselect what it should; one line."""


@dataclass(frozen=True, slots=True)
class VerifiedWorkaround:
    args: tuple[str, ...]
    deselected: tuple[str, ...]
    named_deselected: tuple[str, ...]
    named_kept: tuple[str, ...]


def parse_workaround(expression: str) -> tuple[str, ...]:
    try:
        args = tuple(shlex.split(expression))
    except ValueError as error:
        raise WorkaroundError(f"cannot read the workaround {expression!r}: {error}") from None
    valid = (
        len(args) >= 2 and len(args) % 2 == 0 and all(flag in ("-k", "-m") for flag in args[::2])
    )
    if not valid:
        raise WorkaroundError(
            f"the workaround {expression!r} is not of the form -k EXPR or -m EXPR "
            "(quote the expression: --workaround '-k \"not slow\"')"
        )
    return args


async def _collect(request: RunRequest, interpreter: Interpreter) -> list[str]:
    run = PytestRun(request, interpreter)
    result = await run.run()
    if result.exit_code not in (0, 5):
        raise WorkaroundError(
            f"collecting the tests failed ({result.outcome}): {result.error or 'see pytest'}"
        )
    return list(run.state.tests)


def verify_workaround(
    project_request: RunRequest, interpreter: Interpreter, expression: str, tests: Sequence[str]
) -> VerifiedWorkaround:
    args = parse_workaround(expression)
    base = (*project_request.pytest_args, "--collect-only", "-p", "no:cacheprovider")

    async def both() -> tuple[list[str], list[str]]:
        everything = RunRequest(project=project_request.project, pytest_args=base)
        narrowed = RunRequest(project=project_request.project, pytest_args=(*base, *args))
        return await asyncio.gather(
            _collect(everything, interpreter), _collect(narrowed, interpreter)
        )

    collected, kept = asyncio.run(both())
    unknown = [test for test in tests if test not in set(collected)]
    if unknown:
        raise WorkaroundError(
            f"no test {unknown[0]} in the suite; name tests by their node id "
            "(cockpit runs the collection to check)"
        )
    kept_set = set(kept)
    deselected = tuple(nodeid for nodeid in collected if nodeid not in kept_set)
    named_deselected = tuple(test for test in tests if test not in kept_set)
    if tests and not named_deselected:
        raise WorkaroundError(
            f"the workaround {expression!r} deselects none of the named tests "
            f"(it deselects {len(deselected)} others); fix the expression"
        )
    return VerifiedWorkaround(
        args=args,
        deselected=deselected,
        named_deselected=named_deselected,
        named_kept=tuple(test for test in tests if test in kept_set),
    )
