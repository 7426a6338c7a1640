"""How a pytest child is started: the seam between the runner and warm starts.

:class:`~cockpit.engine.runner.PytestRun` asks a :class:`Launcher` for a process and
then streams, cancels and ends it with the same code whatever started it. The cold
launcher here starts a fresh interpreter; ``cockpit.warm`` forks one from a server that
has imported pytest and the project's libraries already. Both hand back a
:class:`ChildProcess`: a pid leading its own process group, its stdout and stderr as
streams, and a ``wait()`` for its return code (negative: the signal that ended it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from cockpit.engine.command import (
    CURRENT_FD_ENV,
    EVENT_FD_ENV,
    NOTIFY_FD_ENV,
    TOKEN_ENV,
    child_environment,
)

if TYPE_CHECKING:  # imported when a run starts: ``cockpit run`` spawns its child before it
    import asyncio

__all__ = ["CURRENT_FD_ENV", "EVENT_FD_ENV", "NOTIFY_FD_ENV", "TOKEN_ENV", "child_environment"]


class ChildProcess(Protocol):
    """What the runner needs of a started pytest process (an asyncio ``Process`` is one)."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    @property
    def stdout(self) -> asyncio.StreamReader | None: ...

    @property
    def stderr(self) -> asyncio.StreamReader | None: ...

    async def wait(self) -> int:
        """Until the process itself has exited (not its pipes: a fork may hold them)."""
        ...

    def close(self) -> None:
        """Let go of what watching the process held (a subprocess transport)."""
        ...


@dataclass(frozen=True, slots=True)
class LaunchSpec:
    """One pytest child to start: its command line, folder, environment and descriptors."""

    argv: tuple[str, ...]
    cwd: Path
    env: dict[str, str]
    fds: dict[str, int]
    """The descriptors it inherits, by the environment variable that names each."""


@dataclass(frozen=True, slots=True)
class StartInfo:
    """How a run's process was started, and why that way (kept in the run's record)."""

    warm: bool
    reason: str

    @property
    def mode(self) -> str:
        return "warm" if self.warm else "cold"


COLD_BY_DEFAULT = StartInfo(False, "a fresh interpreter (cockpit run starts cold unless --warm)")
COLD_ASKED = StartInfo(False, "--cold: a fresh interpreter for every run")


class Launched(NamedTuple):
    process: ChildProcess
    start: StartInfo


class Launcher(Protocol):
    async def launch(self, spec: LaunchSpec) -> Launched: ...


async def launch_cold(spec: LaunchSpec, start: StartInfo = COLD_BY_DEFAULT) -> Launched:
    """A fresh interpreter in its own session (process group), stdin closed."""
    from cockpit.engine.cold import spawn

    return Launched(await spawn(spec.argv, spec.cwd, spec.env, spec.fds), start)


class ColdLauncher:
    """Every run in a fresh interpreter, saying why in ``start``."""

    def __init__(self, start: StartInfo = COLD_BY_DEFAULT) -> None:
        self.start = start

    async def launch(self, spec: LaunchSpec) -> Launched:
        return await launch_cold(spec, self.start)
