"""cockpit's side of one warm server: started, asked for forks, closed.

The server (``cockpit/child/cockpit_warm_server.py``) runs in the project's interpreter
and holds one end of a socket pair; cockpit holds the other, so nobody else can reach it
and it exits when this end closes (cockpit quits, or dies). Each fork gets its own report
socket, sent along with the run's descriptors: the server answers on it with the child's
pid, then with its exit status. :class:`WarmProcess` turns those answers into what the
runner expects of a process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit.engine.command import PLUGIN_DIR
from cockpit.engine.launch import LaunchSpec
from cockpit.engine.piped import PipedProcess

SERVER_SCRIPT = PLUGIN_DIR / "cockpit_warm_server.py"
HEADER = struct.Struct("!I")
CLOSE_GRACE = 2.0


class WarmError(Exception):
    """The warm server cannot give this run a process (it went away, or refused)."""


@dataclass(frozen=True, slots=True)
class ServerHello:
    """What the server said once it had preloaded (or why it will not serve)."""

    ok: bool
    why: str = ""
    refuse: str | None = None
    """A module that must not be preloaded (it starts a thread or warns on import)."""
    preloaded: int = 0
    seconds: float = 0.0
    sys_path: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default=())

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ServerHello:
        return cls(
            ok=bool(raw.get("ok")),
            why=str(raw.get("why") or ""),
            refuse=raw.get("refuse"),
            preloaded=int(raw.get("preloaded") or 0),
            seconds=float(raw.get("seconds") or 0.0),
            sys_path=tuple(str(p) for p in raw.get("sys_path") or ()),
            skipped=tuple(str(s) for s in raw.get("skipped") or ()),
        )


async def _reader_of(fd: int) -> asyncio.StreamReader:
    """An asyncio stream reading the pipe ``fd`` (its transport closes it at EOF)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    pipe = os.fdopen(fd, "rb", buffering=0)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    return reader


class WarmProcess(PipedProcess):
    """A forked pytest child as the runner sees a process: pid, streams, ``wait()``."""

    def __init__(
        self,
        pid: int,
        report: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stdout: asyncio.StreamReader,
        stderr: asyncio.StreamReader,
    ) -> None:
        super().__init__(stdout, stderr)
        self._pid = pid
        self._report = report
        self._writer = writer
        self._returncode: int | None = None
        self._waiting: asyncio.Task[int] | None = None

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def returncode(self) -> int | None:
        return self._returncode

    async def wait(self) -> int:
        if self._waiting is None:
            self._waiting = asyncio.ensure_future(self._exit_status())
        return await asyncio.shield(self._waiting)

    async def _exit_status(self) -> int:
        line = await self._report.readline()
        self._writer.close()
        try:
            code = int(json.loads(line)["exit"])
        except (ValueError, KeyError, TypeError):
            code = await self._outlived_server()
        self._returncode = code
        return code

    async def _outlived_server(self) -> int:
        """The server died first: wait for the child itself to go (it notices, as an
        orphaned cold run does); its status is lost with the server, so say killed."""
        while True:
            try:
                os.kill(self._pid, 0)
            except ProcessLookupError:
                return -9
            except PermissionError:
                return -9
            await asyncio.sleep(0.05)


class WarmServer:
    """One server process in the project's interpreter, and the forks it made."""

    def __init__(self, interpreter: Path, folder: Path, root: Path, env: dict[str, str]) -> None:
        self.interpreter = interpreter
        self.folder = folder
        self.root = root
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.control: socket.socket | None = None
        self.hello: ServerHello | None = None
        self.forks = 0
        """Forked children still running: the server stays until they are done."""
        self.retiring = False
        self._watching: set[asyncio.Task[None]] = set()

    @property
    def alive(self) -> bool:
        return (
            self.process is not None
            and self.process.returncode is None
            and self.control is not None
            and self.hello is not None
            and self.hello.ok
        )

    async def start(self, preload_file: Path | None) -> ServerHello:
        """Start the server and wait until it has preloaded (or said why it will not serve)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.process = await asyncio.create_subprocess_exec(
                str(self.interpreter),
                str(SERVER_SCRIPT),
                str(theirs.fileno()),
                str(preload_file) if preload_file is not None else "-",
                str(self.root),
                cwd=self.folder,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        except OSError as error:
            ours.close()
            self.hello = ServerHello(False, f"the warm server could not start: {error}")
            return self.hello
        finally:
            theirs.close()
        self.control = ours
        self.hello = await self._read_hello()
        if not self.hello.ok:
            await self.close()
        return self.hello

    async def _read_hello(self) -> ServerHello:
        assert self.process is not None and self.process.stdout is not None
        while line := await self.process.stdout.readline():
            try:
                raw = json.loads(line)
            except ValueError:
                continue  # a preloaded module printed something at import
            if isinstance(raw, dict) and "ok" in raw:
                return ServerHello.from_json(raw)
        code = await self.process.wait()
        return ServerHello(False, f"the warm server exited ({code}) before it was ready")

    async def fork(self, spec: LaunchSpec) -> WarmProcess:
        """A child forked from the server, running ``spec`` (its argv after ``-m pytest``)."""
        if not self.alive or self.control is None:
            raise WarmError("the warm server is not running")
        report_ours, report_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        names = ["report", "stdout", "stderr", *spec.fds]
        fds = [report_theirs.fileno(), out_write, err_write, *spec.fds.values()]
        request = {"args": list(spec.argv[3:]), "cwd": str(spec.cwd), "env": spec.env}
        body = json.dumps({**request, "fds": names}).encode("utf-8")
        try:
            _send(self.control, HEADER.pack(len(body)) + body, fds)
        except OSError as error:
            for fd in (out_read, err_read):
                os.close(fd)
            report_ours.close()
            raise WarmError(f"the warm server went away ({error.strerror or error})") from None
        finally:
            report_theirs.close()
            os.close(out_write)
            os.close(err_write)
        report, writer = await asyncio.open_unix_connection(sock=report_ours)
        answer = await report.readline()
        try:
            pid = int(json.loads(answer)["pid"])
        except (ValueError, KeyError, TypeError):
            writer.close()
            for fd in (out_read, err_read):
                os.close(fd)
            detail = answer.decode("utf-8", "replace").strip() or "no answer"
            raise WarmError(f"the warm server could not fork ({detail})") from None
        self.forks += 1
        stdout, stderr = await _reader_of(out_read), await _reader_of(err_read)
        process = WarmProcess(pid, report, writer, stdout, stderr)
        task = asyncio.ensure_future(self._forget_when_done(process))
        self._watching.add(task)
        task.add_done_callback(self._watching.discard)
        return process

    async def _forget_when_done(self, process: WarmProcess) -> None:
        await process.wait()
        self.forks -= 1
        if self.retiring and self.forks == 0:
            await self.close()

    async def retire(self) -> None:
        """Close once the forks still running are done (they would lose their reports)."""
        self.retiring = True
        if self.forks == 0:
            await self.close()

    async def close(self) -> None:
        if self.control is not None:
            self.control.close()  # the server sees EOF and exits
            self.control = None
        process = self.process
        if process is None or process.returncode is not None:
            return
        try:
            await asyncio.wait_for(process.wait(), CLOSE_GRACE)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    def kill_now(self) -> None:
        """The last resort when cockpit is ending without a loop to wait on."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()


def _send(control: socket.socket, data: bytes, fds: list[int]) -> None:
    sent = socket.send_fds(control, [data], fds)
    if sent < len(data):
        control.sendall(data[sent:])
