"""Warm starts for one project and interpreter: fork when it is safe, else start cold.

:class:`WarmStarts` is a launcher (``cockpit.engine.launch``): every run asks it for a
process. It forks from the warm server when the server is up and nothing it depends on
has changed (:mod:`cockpit.warm.fingerprint`); otherwise the run starts cold, the reason
goes into the run's record and, the first time it comes up, to ``on_notice``, and a new
server starts in the background for the next run. A server that refuses a module (it
starts a thread or warns when imported) is restarted without it. A warm run that crashed
is rerun cold by the front (:meth:`judge_crash` is told how that went): when the cold
run does not crash, warm starts stop for this project until cockpit restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path

from cockpit.engine.launch import (
    Launched,
    LaunchSpec,
    StartInfo,
    child_environment,
    launch_cold,
)
from cockpit.warm import fingerprint
from cockpit.warm.preload import PreloadList, preload_file
from cockpit.warm.server import WarmError, WarmServer

MAX_REFUSALS = 8
"""Modules a server may refuse in a row before warm starts give up for the session."""


def server_environment() -> dict[str, str]:
    """What the server (and so every fork, before its run's own variables) runs with."""
    env = child_environment()
    for name in [name for name in env if name.startswith("COCKPIT_")]:
        del env[name]
    return env


class WarmStarts:
    """The warm server of one project and interpreter, kept right for the runs that ask."""

    def __init__(
        self,
        interpreter: Path,
        folder: Path,
        root: Path,
        *,
        on_notice: Callable[[str], None] | None = None,
        cold_reason: str | None = None,
    ) -> None:
        self.interpreter = interpreter
        self.folder = folder
        self.root = root
        self.on_notice = on_notice
        self.preload = PreloadList(preload_file(root, interpreter), interpreter)
        self.disabled = cold_reason
        """Why every run starts cold (``--cold``, no fork here, a warm crash); None: warm."""
        self.server: WarmServer | None = None
        self.fingerprint: fingerprint.Fingerprint | None = None
        self.starting: asyncio.Task[WarmServer | None] | None = None
        self._said: set[str] = set()
        self._retired: set[asyncio.Task[None]] = set()

    # -- the server ------------------------------------------------------------------
    def prepare(self) -> None:
        """Start the server in the background if none is up or starting (call on a loop)."""
        if self.disabled is None and self.server is None and self.starting is None:
            self._restart()

    def _restart(self) -> None:
        old, self.server, self.fingerprint = self.server, None, None
        if old is not None:
            task = asyncio.ensure_future(old.retire())
            self._retired.add(task)
            task.add_done_callback(self._retired.discard)
        if self.starting is not None and not self.starting.done():
            self.starting.cancel()
        self.starting = asyncio.ensure_future(self._start())

    async def _start(self) -> WarmServer | None:
        for _attempt in range(MAX_REFUSALS):
            env = server_environment()
            modules = list(self.preload.modules)
            server = WarmServer(self.interpreter, self.folder, self.root, env)
            path = self.preload.path if modules and self.preload.path else None
            try:
                hello = await server.start(path if path is not None and path.is_file() else None)
            except asyncio.CancelledError:
                await asyncio.shield(server.close())
                raise
            if hello.ok:
                self.fingerprint = await asyncio.to_thread(
                    fingerprint.take,
                    self.interpreter,
                    self.folder,
                    self.root,
                    env,
                    hello.sys_path,
                    modules,
                )
                self.server = server
                return server
            if hello.refuse is None:
                self._cold_from_now(hello.why)
                return None
            self.preload.exclude(hello.refuse)
            self._notice(f"warm start: {hello.refuse} {hello.why}; preloading without it")
        self._cold_from_now(f"{MAX_REFUSALS} preloaded modules in a row were refused")
        return None

    def _cold_from_now(self, why: str) -> None:
        self.disabled = why
        self._notice(f"cold starts from now on: {why}")

    def _notice(self, text: str) -> None:
        """Say ``text`` once per session (the run records say it every time)."""
        if text in self._said:
            return
        self._said.add(text)
        if self.on_notice is not None:
            self.on_notice(text)

    # -- launching --------------------------------------------------------------------
    async def launch(self, spec: LaunchSpec) -> Launched:
        """A fork of the warm server for ``spec``, or a cold start saying why not."""
        reason = await self._warm_or_why(spec)
        if isinstance(reason, Launched):
            return reason
        self._notice(f"cold start: {reason}")
        return await launch_cold(spec, StartInfo(False, reason))

    async def _warm_or_why(self, spec: LaunchSpec) -> Launched | str:
        if self.disabled is not None:
            return self.disabled
        if self.server is None and self.starting is not None and not self.starting.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self.starting)  # under way: sooner than a cold start
        server, before = self.server, self.fingerprint
        if server is None or before is None or not server.alive:
            self._restart()
            return self.disabled or "the warm server is starting (the next run forks from it)"
        now = await asyncio.to_thread(
            fingerprint.take,
            self.interpreter,
            self.folder,
            self.root,
            spec.env,
            server.hello.sys_path if server.hello else (),
            self.preload.modules,
        )
        stale = fingerprint.difference(before, now)
        if stale is not None:
            self._restart()
            return f"{stale}; the warm server restarts"
        try:
            process = await server.fork(spec)
        except WarmError as error:
            self._restart()
            return str(error)
        hello = server.hello
        preloaded = f", {hello.preloaded} modules preloaded" if hello else ""
        return Launched(process, StartInfo(True, f"forked from the warm server{preloaded}"))

    # -- learning from runs ---------------------------------------------------------------
    async def learn(self, modules: Iterable[str]) -> None:
        """A run imported ``modules``: preload them from the next server on (restarted now,
        in the background, so the next run finds it ready). The list is written in a thread."""
        if await asyncio.to_thread(self.preload.learn, list(modules)) and self.disabled is None:
            self._restart()

    def judge_crash(self, cold_crashed: bool, warm_error: str) -> None:
        """A warm run crashed and was rerun cold: if the cold one did not, stop forking."""
        if cold_crashed or self.disabled is not None:
            return
        self._cold_from_now(f"a warm run crashed ({warm_error}) where a cold run did not")
        if self.server is not None:
            task = asyncio.ensure_future(self.server.retire())
            self._retired.add(task)
            task.add_done_callback(self._retired.discard)
            self.server = None

    # -- the end ------------------------------------------------------------------------
    async def close(self) -> None:
        """Stop the server (and any still starting): nothing of cockpit's is left behind."""
        if self.starting is not None and not self.starting.done():
            self.starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.starting
        server, self.server = self.server, None
        if server is not None:
            await server.close()
        for task in list(self._retired):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.disabled = self.disabled or "cockpit is closing"

    def kill_now(self) -> None:
        if self.server is not None:
            self.server.kill_now()
