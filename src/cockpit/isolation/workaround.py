"""Checking a known issue's ``-k`` / ``-m`` workaround with real collect-only runs.

The workaround is stored with exactly the tests it deselects (all collected tests minus
those still collected with it), and refused when it deselects none of the tests the known
issue names: a workaround that does not work is worse than none.

The collection runs like a ``cockpit run``, with ``--continue-on-collection-errors``: a
module that fails to import elsewhere is the normal state of a fix session and hides
nothing else. When the collection itself cannot be done, one line says which module
failed and why.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from cockpit.engine.display import visible
from cockpit.engine.events import CollectionError
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


@dataclass(frozen=True, slots=True)
class Collected:
    tests: tuple[str, ...]
    broken: tuple[CollectionError, ...]
    """The modules that failed to collect (their tests are unknown)."""


def _where(error: CollectionError) -> str:
    line = f":{error.lineno}" if error.lineno else ""
    return visible(
        f"{error.file}{line} ({error.message.splitlines()[0] if error.message else 'failed'})"
    )


async def _collect(request: RunRequest, interpreter: Interpreter) -> Collected:
    run = PytestRun(request, interpreter)
    result = await run.run()
    state = run.state
    broken = tuple(state.collection_errors)
    only_broken_modules = result.exit_code == 1 and broken and not state.failures
    if result.exit_code not in (0, 5) and not only_broken_modules:
        if broken:
            why = f"{_where(broken[0])} fails to collect"
        else:
            why = visible(result.error or f"pytest ended {result.outcome}")
        raise WorkaroundError(f"collecting the tests to check the workaround failed: {why}")
    return Collected(tuple(state.tests), broken)


def verify_workaround(
    project_request: RunRequest, interpreter: Interpreter, expression: str, tests: Sequence[str]
) -> VerifiedWorkaround:
    args = parse_workaround(expression)
    base = (*project_request.pytest_args, "--collect-only", "-p", "no:cacheprovider")

    async def both() -> tuple[Collected, Collected]:
        everything = RunRequest(project=project_request.project, pytest_args=base)
        narrowed = RunRequest(project=project_request.project, pytest_args=(*base, *args))
        return await asyncio.gather(
            _collect(everything, interpreter), _collect(narrowed, interpreter)
        )

    all_tests, narrowed = asyncio.run(both())
    collected, kept = all_tests.tests, narrowed.tests
    unknown = [test for test in tests if test not in set(collected)]
    if unknown:
        module = unknown[0].split("::", 1)[0]
        for error in all_tests.broken:
            if error.file == module:
                raise WorkaroundError(
                    f"{_where(error)} fails to collect, so cockpit cannot check a workaround "
                    f"for {visible(unknown[0])}; fix the module first"
                )
        raise WorkaroundError(
            f"no test {visible(unknown[0])} in the suite; name tests by their node id "
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
