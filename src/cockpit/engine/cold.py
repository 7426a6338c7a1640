"""A cold pytest child as the runner sees one, with ``wait()`` meaning the process exited.

``asyncio``'s own ``Process.wait()`` also waits for the child's pipes to close, and a
process a test forked may hold them for ever; the runner must know when pytest itself
is gone. Imported only when a cold run starts (``cockpit run`` keeps asyncio off its
path until its child exists).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path


class _ExitNoticing(asyncio.subprocess.SubprocessStreamProtocol):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=1 << 16, loop=loop)
        self.exited: asyncio.Future[None] = loop.create_future()

    def process_exited(self) -> None:
        super().process_exited()
        if not self.exited.done():
            self.exited.set_result(None)


class ColdProcess:
    """A fresh interpreter: pid, streams, and a ``wait()`` that ignores its pipes."""

    def __init__(self, transport: asyncio.SubprocessTransport, protocol: _ExitNoticing) -> None:
        loop = asyncio.get_running_loop()
        self._process = asyncio.subprocess.Process(transport, protocol, loop)
        self._transport = transport
        self._exited = protocol.exited

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._transport.get_returncode()

    @property
    def stdout(self) -> asyncio.StreamReader | None:
        return self._process.stdout

    @property
    def stderr(self) -> asyncio.StreamReader | None:
        return self._process.stderr

    async def wait(self) -> int:
        await asyncio.shield(self._exited)
        code = self._transport.get_returncode()
        assert code is not None
        return code

    def close(self) -> None:
        self._transport.close()


async def spawn(
    argv: tuple[str, ...], cwd: Path, env: dict[str, str], fds: Mapping[str, int]
) -> ColdProcess:
    """Start ``argv`` in its own session (process group), stdin closed, inheriting ``fds``
    (each named to the child by the environment variable that is its key)."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.subprocess_exec(
        lambda: _ExitNoticing(loop),
        *argv,
        cwd=cwd,
        env={**env, **{name: str(fd) for name, fd in fds.items()}},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        pass_fds=tuple(fds.values()),
        start_new_session=True,
    )
    return ColdProcess(transport, protocol)
