"""Runs pytest in a child process and streams its events: the only place that owns one.

The child inherits three file descriptors, never a TCP port and nothing parsed out of
terminal text: an unlinked temporary file the plugin appends its JSON events to (what is
written there survives a hard crash of the child, and a slow reader never blocks the
tests), the write end of a pipe on which it sends a byte when there is more to read (at
most every 50 ms; its EOF says the child is gone), and a small file holding the running
test's node id. The child leads its own process group, so cancelling reaches xdist workers
and anything the tests spawned: SIGINT (pytest finishes cleanly, exit 2), then SIGTERM,
then SIGKILL, and whatever is left of the group is killed when the leader is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import tempfile
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.engine.command import PytestCommand, build_command
from cockpit.engine.early import EarlyStart, adopt
from cockpit.engine.events import Event, decode_line
from cockpit.engine.interpreter import Interpreter
from cockpit.engine.launch import (
    COLD_BY_DEFAULT,
    CURRENT_FD_ENV,
    EVENT_FD_ENV,
    NOTIFY_FD_ENV,
    ChildProcess,
    ColdLauncher,
    Launcher,
    LaunchSpec,
    StartInfo,
    child_environment,
)
from cockpit.engine.state import RunOutcome, RunState
from cockpit.errors import EXIT_NOT_STARTED

EXIT_CRASHED = 6
"""cockpit's exit code when the pytest process died mid-run (signal, os._exit, OOM)."""

DEFAULT_CAPTURE_CAP = 64 * 1024
TAIL_BYTES = 256 * 1024
SIGINT_GRACE = 3.0
SIGTERM_GRACE = 2.0


class TailBuffer:
    """Keeps the last ``limit`` bytes written to it: a drained pipe must not grow memory."""

    def __init__(self, limit: int = TAIL_BYTES) -> None:
        self.limit = limit
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.dropped = 0

    def write(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)
        while self.size - len(self.chunks[0]) >= self.limit:
            removed = self.chunks.popleft()
            self.size -= len(removed)
            self.dropped += len(removed)

    def text(self) -> str:
        data = b"".join(self.chunks)[-self.limit :]
        return data.decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What to run, as the user asked for it."""

    project: Path
    pytest_args: tuple[str, ...] = ()
    capture_cap: int = DEFAULT_CAPTURE_CAP
    keep_terminal: bool = False
    cache_dir: Path | None = None
    root: Path | None = None
    """The project root (its ``.cockpit/``): imports by computed name are recorded inside it."""


@dataclass(slots=True)
class RunResult:
    """How a run ended, in cockpit's terms."""

    exit_code: int
    outcome: RunOutcome
    state: RunState
    error: str | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    skipped_lines: int = 0
    command: tuple[str, ...] = field(default=())
    start: StartInfo | None = None
    """Warm (forked from the warm server) or cold, and why."""


class PytestRun:
    """One pytest child process, its event stream and its live :class:`RunState`.

    ``launcher`` starts the process (default: a fresh interpreter); whatever started it,
    it is streamed, cancelled and ended by the same code here."""

    def __init__(
        self,
        request: RunRequest,
        interpreter: Interpreter,
        launcher: Launcher | None = None,
        early: EarlyStart | None = None,
    ) -> None:
        self.request = request
        self.interpreter = interpreter
        self.launcher: Launcher = launcher or ColdLauncher()
        self.early = early
        """A child already started for this run (``cockpit run``): adopted, not launched."""
        self.start_info: StartInfo | None = None
        self.command: PytestCommand = (
            early.command
            if early
            else build_command(
                interpreter.path,
                request.pytest_args,
                cache_dir=request.cache_dir,
                keep_terminal=request.keep_terminal,
            )
        )
        self.state = RunState()
        self.process: ChildProcess | None = None
        self.cancelled = False
        self.skipped_lines = 0
        self._stdout = TailBuffer()
        self._stderr = TailBuffer()
        self._notify_read_fd: int | None = None
        # Both live as long as the run and are closed when its stream ends.
        if early is not None:
            self._event_file, self._current_file = early.event_file, early.current_file
        else:
            self._event_file = tempfile.TemporaryFile(prefix="cockpit-events-")  # noqa: SIM115
            self._current_file = tempfile.TemporaryFile(prefix="cockpit-current-")  # noqa: SIM115
        self._started = asyncio.Event()

    @property
    def started(self) -> asyncio.Event:
        """Set once the child process exists (a front may build its view meanwhile)."""
        return self._started

    # -- lifecycle ------------------------------------------------------------------------
    def _spec(self, notify_fd: int) -> LaunchSpec:
        env = child_environment()
        env["COCKPIT_CAPTURE_CAP"] = str(self.request.capture_cap)
        env["COCKPIT_QUIET_TERMINAL"] = "1" if self.command.quiet_terminal else "0"
        env["COCKPIT_PROJECT_ROOT"] = str(self.request.root or self.request.project)
        fds = {
            EVENT_FD_ENV: self._event_file.fileno(),
            NOTIFY_FD_ENV: notify_fd,
            CURRENT_FD_ENV: self._current_file.fileno(),
        }
        return LaunchSpec(self.command.argv, self.request.project, env, fds)

    async def start(self) -> None:
        if self.early is not None:
            self.process, self.start_info = await adopt(self.early), COLD_BY_DEFAULT
            self._notify_read_fd = self.early.notify_read_fd
            self._started.set()
            return
        read_fd, write_fd = os.pipe()
        os.set_inheritable(read_fd, False)
        try:
            self.process, self.start_info = await self.launcher.launch(self._spec(write_fd))
        except OSError:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)  # else the parent never sees EOF on the pipe
        self._notify_read_fd = read_fd
        self._started.set()

    async def _drain(self, stream: asyncio.StreamReader | None, sink: TailBuffer) -> None:
        if stream is None:
            return
        while chunk := await stream.read(1 << 16):
            sink.write(chunk)

    async def batches(self) -> AsyncIterator[list[Event]]:
        """Yield events as they arrive, one list per notice, already applied to ``state``."""
        assert self._notify_read_fd is not None, "start() first"
        loop = asyncio.get_running_loop()
        notices = asyncio.StreamReader()
        pipe = os.fdopen(self._notify_read_fd, "rb", buffering=0)
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(notices), pipe
        )
        event_fd = self._event_file.fileno()
        offset = 0
        partial = b""
        try:
            while True:
                more = await notices.read(4096)
                while chunk := os.pread(event_fd, 1 << 22, offset):
                    offset += len(chunk)
                    lines = (partial + chunk).split(b"\n")
                    partial = lines.pop()
                    for start, end in _slices(lines):
                        batch = self._decode(lines[start:end])
                        if batch:
                            yield batch
                        if end < len(lines):
                            await asyncio.sleep(0)  # let a screen answer its keys meanwhile
                if not more:
                    break  # EOF: the child (and every process holding the pipe) is gone
        finally:
            transport.close()
            self._event_file.close()

    def _decode(self, lines: list[bytes]) -> list[Event]:
        batch: list[Event] = []
        for line in lines:
            event = decode_line(line) if line else None
            if event is None:
                self.skipped_lines += bool(line)
                continue
            self.state.apply(event)
            batch.append(event)
        return batch

    async def run(self, on_batch: Callable[[list[Event]], None] | None = None) -> RunResult:
        """Start, stream until the child is gone, and tell how it ended."""
        await self.start()
        assert self.process is not None
        drains = [
            asyncio.create_task(self._drain(self.process.stdout, self._stdout)),
            asyncio.create_task(self._drain(self.process.stderr, self._stderr)),
        ]
        try:
            async for batch in self.batches():
                if on_batch is not None:
                    on_batch(batch)
            await self.process.wait()
            await asyncio.gather(*drains)
        finally:
            if self.process.returncode is None:
                await self.cancel()
            for task in drains:
                task.cancel()
            self._reap_group()
        return self._result(self.process.returncode or 0)

    async def cancel(self) -> None:
        """SIGINT, then SIGTERM, then SIGKILL to the child's whole process group."""
        await self._started.wait()
        process = self.process
        if process is None or process.returncode is not None:
            return
        self.cancelled = True
        steps: Sequence[tuple[signal.Signals, float | None]] = (
            (signal.SIGINT, SIGINT_GRACE),
            (signal.SIGTERM, SIGTERM_GRACE),
            (signal.SIGKILL, None),
        )
        for sig, grace in steps:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            if grace is None:
                break
            try:
                await asyncio.wait_for(process.wait(), grace)
                break
            except TimeoutError:
                continue
        await process.wait()
        self._reap_group()

    def _reap_group(self) -> None:
        """Kill whatever the tests left running in the child's process group."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    # -- the ending -----------------------------------------------------------------------
    def _current_test(self) -> str | None:
        fd = self._current_file.fileno()
        try:
            header = os.pread(fd, 8, 0)
            length = int(header) if header.strip() else 0
            nodeid = os.pread(fd, length, 8).decode("utf-8", "replace") if length else ""
        except (OSError, ValueError):
            nodeid = ""
        finally:
            self._current_file.close()
        return nodeid or None

    def _result(self, returncode: int) -> RunResult:
        state = self.state
        stderr = self._stderr.text()
        result = RunResult(
            exit_code=returncode,
            outcome=RunOutcome.FAILED,
            state=state,
            stdout_tail=self._stdout.text(),
            stderr_tail=stderr,
            skipped_lines=self.skipped_lines,
            command=self.command.argv,
            start=self.start_info,
        )
        current_test = self._current_test()
        if state.session is None:
            return self._result_without_session(result, returncode, stderr)
        if state.exitstatus is None:
            if self.cancelled:
                state.interrupted = True
                state.exitstatus = 2
                result.exit_code, result.outcome = 2, RunOutcome.INTERRUPTED
                return result
            state.mark_crashed(current_test)
            result.exit_code, result.outcome = EXIT_CRASHED, RunOutcome.CRASHED
            result.error = _crash_message(returncode, state.crashed_test)
            return result
        result.exit_code = returncode if 0 <= returncode <= 5 else state.exitstatus
        result.outcome = state.outcome
        if result.exit_code == 4:
            result.error = _pytest_error_line(stderr) or "pytest reported a usage error"
        return result

    def _result_without_session(self, result: RunResult, returncode: int, stderr: str) -> RunResult:
        """pytest never reached its configuration: a usage error or a broken interpreter."""
        interpreter = self.interpreter.path
        if "No module named pytest" in stderr:
            result.exit_code, result.outcome = EXIT_NOT_STARTED, RunOutcome.USAGE_ERROR
            result.error = (
                f"{interpreter} ({self.interpreter.reason}) has no pytest: "
                f"install it there ({interpreter} -m pip install pytest) or pass --python"
            )
        elif returncode in (2, 4) and not self.cancelled:
            result.exit_code, result.outcome = 4, RunOutcome.USAGE_ERROR
            result.error = _pytest_error_line(stderr) or "pytest reported a usage error"
        elif self.cancelled:
            result.exit_code, result.outcome = 2, RunOutcome.INTERRUPTED
        else:
            result.exit_code, result.outcome = EXIT_NOT_STARTED, RunOutcome.USAGE_ERROR
            last = _last_line(stderr) or f"exit status {returncode}"
            result.error = f"pytest did not start under {interpreter}: {last}"
        return result


SLICE_LINES = 512
SLICE_BYTES = 1 << 18
"""Event lines decoded in one go at most: the loop gets a turn between slices."""


def _slices(lines: list[bytes]) -> list[tuple[int, int]]:
    """Ranges of ``lines`` holding at most ~SLICE_LINES lines or ~SLICE_BYTES bytes each."""
    ranges: list[tuple[int, int]] = []
    start = size = 0
    for index, line in enumerate(lines):
        size += len(line)
        if index + 1 - start >= SLICE_LINES or size >= SLICE_BYTES:
            ranges.append((start, index + 1))
            start, size = index + 1, 0
    if start < len(lines):
        ranges.append((start, len(lines)))
    return ranges


# argparse names the program as pytest was started: "pytest: error:" from pytest 9's own
# parser, "__main__.py: error:" from pytest 8 under ``python -m pytest``.
_ERROR_LINE = re.compile(r"^(?:ERROR: |[\w.\-]+: error: |E\s+)(.*\S)\s*$")


def _pytest_error_line(stderr: str) -> str | None:
    """The line of pytest's stderr that says what was wrong, without the usage noise."""
    found = None
    for line in stderr.splitlines():
        match = _ERROR_LINE.match(line)
        if match and not match.group(1).startswith("usage:"):
            found = match.group(1)
    return found


def _last_line(text: str) -> str | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else None


def _crash_message(returncode: int, crashed_test: str | None) -> str:
    if returncode < 0:
        try:
            how = f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            how = f"was killed by signal {-returncode}"
    else:
        how = f"exited with status {returncode} before the session finished"
    where = f" while running {crashed_test}" if crashed_test else ""
    return f"the pytest process {how}{where}"
