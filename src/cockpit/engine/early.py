"""A cold pytest child started before the rest of cockpit is even imported.

``cockpit run`` is mostly small runs, and every millisecond cockpit spends before the
child exists is added to the wall time (importing asyncio, the runner, the event model,
rich; the session log in a thread). So it starts the child first, with the plain
``subprocess`` module, from the same command, environment and descriptors a
:class:`~cockpit.engine.runner.PytestRun` would use; the run then adopts it
(:func:`adopt`) and streams, cancels and ends it like any other.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from cockpit.engine.command import (
    CALL_MAP_ENV,
    CURRENT_FD_ENV,
    EVENT_FD_ENV,
    NOTIFY_FD_ENV,
    TOKEN_ENV,
    PytestCommand,
    build_command,
    child_environment,
)
from cockpit.engine.interpreter import Interpreter
from cockpit.engine.piped import PipedProcess
from cockpit.engine.stream import new_token

if TYPE_CHECKING:
    import asyncio
    from pathlib import Path


class EarlyStart:
    """The child, already running, and the descriptors its run streams from."""

    def __init__(
        self,
        project: Path,
        interpreter: Interpreter,
        pytest_args: tuple[str, ...],
        *,
        capture_cap: int,
        keep_terminal: bool,
        cache_dir: Path | None,
        root: Path | None = None,
        call_map: Path | None = None,
    ) -> None:
        self.command: PytestCommand = build_command(
            interpreter.path, pytest_args, cache_dir=cache_dir, keep_terminal=keep_terminal
        )
        self.event_file: IO[bytes] = tempfile.TemporaryFile(prefix="cockpit-events-")  # noqa: SIM115
        self.current_file: IO[bytes] = tempfile.TemporaryFile(prefix="cockpit-current-")  # noqa: SIM115
        read_fd, write_fd = os.pipe()
        os.set_inheritable(read_fd, False)
        self.token = new_token()
        env = child_environment()
        env[TOKEN_ENV] = self.token
        env["COCKPIT_CAPTURE_CAP"] = str(capture_cap)
        env["COCKPIT_QUIET_TERMINAL"] = "1" if self.command.quiet_terminal else "0"
        env["COCKPIT_PROJECT_ROOT"] = str(root or project)
        if call_map is not None:
            env[CALL_MAP_ENV] = str(call_map)
        fds = {
            EVENT_FD_ENV: self.event_file.fileno(),
            NOTIFY_FD_ENV: write_fd,
            CURRENT_FD_ENV: self.current_file.fileno(),
        }
        env.update((name, str(fd)) for name, fd in fds.items())
        try:
            self.popen = subprocess.Popen(
                self.command.argv,
                cwd=project,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=tuple(fds.values()),
                start_new_session=True,
            )
        except OSError:
            os.close(read_fd)
            self.event_file.close()
            self.current_file.close()
            raise
        finally:
            os.close(write_fd)  # else the run never sees EOF on the pipe
        self.notify_read_fd = read_fd


class AdoptedProcess(PipedProcess):
    """An :class:`EarlyStart`'s process as the runner sees one: streams and ``wait()``."""

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        stdout: asyncio.StreamReader,
        stderr: asyncio.StreamReader,
    ) -> None:
        super().__init__(stdout, stderr)
        self.popen = popen

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    async def wait(self) -> int:
        import asyncio

        while (code := self.popen.poll()) is None:
            await _exited(self.popen.pid, asyncio.get_running_loop())
        return code


async def _exited(pid: int, loop: asyncio.AbstractEventLoop) -> None:
    """Until ``pid`` may have exited: its pidfd turns readable (Linux), else a 20 ms tick."""
    import asyncio

    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        await asyncio.sleep(0.02)
        return
    done: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not done.done():
            done.set_result(None)

    loop.add_reader(pidfd, readable)
    try:
        await done
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)


async def adopt(early: EarlyStart) -> AdoptedProcess:
    import asyncio

    loop = asyncio.get_running_loop()
    readers = []
    for pipe in (early.popen.stdout, early.popen.stderr):
        reader = asyncio.StreamReader(limit=1 << 20)
        await loop.connect_read_pipe(_protocol_factory(reader), pipe)
        readers.append(reader)
    return AdoptedProcess(early.popen, readers[0], readers[1])


def _protocol_factory(reader: asyncio.StreamReader) -> Callable[[], asyncio.BaseProtocol]:
    import asyncio

    return lambda: asyncio.StreamReaderProtocol(reader)
