"""Runs pytest in a child process and streams its events: the only place that owns one.

The child inherits three file descriptors, never a TCP port and nothing parsed out of
terminal text: an unlinked temporary file the plugin appends its JSON events to (what is
written there survives a hard crash of the child, and a slow reader never blocks the
tests), the write end of a pipe on which it sends a byte when there is more to read (at
most every 50 ms; its EOF says the child is gone), and a small file holding the running
test's node id. The child leads its own process group, so cancelling reaches xdist workers
and anything the tests spawned: SIGINT (pytest finishes cleanly, exit 2), then SIGTERM,
then SIGKILL, and whatever is left of the group is killed when the leader is gone.

The run is over when the pytest process has exited. A process a test forked keeps the
pipes open for as long as it lives, so their EOF is waited for only ``PIPE_GRACE``
seconds after the exit (events written just before it are read meanwhile); then the rest
of the event file is read and what the tests left running is named and killed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cockpit.engine import leftovers
from cockpit.engine.command import CALL_MAP_ENV, PytestCommand, build_command
from cockpit.engine.early import EarlyStart, adopt
from cockpit.engine.ending import (
    RunningTest,
    RunResult,
    crash_message,
    last_line,
    pytest_error_line,
)
from cockpit.engine.events import Event, ProtocolError, decode_line
from cockpit.engine.interpreter import Interpreter
from cockpit.engine.launch import (
    COLD_BY_DEFAULT,
    CURRENT_FD_ENV,
    EVENT_FD_ENV,
    NOTIFY_FD_ENV,
    TOKEN_ENV,
    ChildProcess,
    ColdLauncher,
    Launcher,
    LaunchSpec,
    StartInfo,
    child_environment,
)
from cockpit.engine.setup_errors import (
    config_error_line,
    describe,
    find_inifile,
    startup_from_stderr,
)
from cockpit.engine.state import RunOutcome, RunState
from cockpit.engine.stream import EventLines, line_limit, new_token, slices
from cockpit.errors import EXIT_NOT_STARTED

EXIT_CRASHED = 6
"""cockpit's exit code when the pytest process died mid-run (signal, os._exit, OOM)."""

DEFAULT_CAPTURE_CAP = 64 * 1024
TAIL_BYTES = 256 * 1024
SIGINT_GRACE = 3.0
SIGTERM_GRACE = 2.0
PIPE_GRACE = 0.3
"""Seconds the pipes may stay open after the pytest process exited (see the module)."""


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
    call_map: Path | None = None  # where a traced run's processes write the call map


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
        self.cancelled_at: float | None = None
        self.left_running: tuple[int, ...] = ()
        self.protocol_error: str | None = None
        self._token = early.token if early is not None else new_token()
        self._lines = EventLines(self._token, line_limit(request.capture_cap))
        self._stdout = TailBuffer()
        self._stderr = TailBuffer()
        self._notify_read_fd: int | None = None
        self._pipe_identity: tuple[int, int] | None = None
        self._exit: _ExitWatch | None = None
        self._pipe_held = False
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
        env[TOKEN_ENV] = self._token
        env["COCKPIT_CAPTURE_CAP"] = str(self.request.capture_cap)
        env["COCKPIT_QUIET_TERMINAL"] = "1" if self.command.quiet_terminal else "0"
        env["COCKPIT_PROJECT_ROOT"] = str(self.request.root or self.request.project)
        if self.request.call_map is not None:
            env[CALL_MAP_ENV] = str(self.request.call_map)
        fds = {
            EVENT_FD_ENV: self._event_file.fileno(),
            NOTIFY_FD_ENV: notify_fd,
            CURRENT_FD_ENV: self._current_file.fileno(),
        }
        return LaunchSpec(self.command.argv, self.request.project, env, fds)

    async def start(self) -> None:
        if self.early is not None:
            self.process, self.start_info = await adopt(self.early), COLD_BY_DEFAULT
            read_fd = self.early.notify_read_fd
        else:
            read_fd, write_fd = os.pipe()
            os.set_inheritable(read_fd, False)
            try:
                self.process, self.start_info = await self.launcher.launch(self._spec(write_fd))
            except OSError:
                os.close(read_fd)
                raise
            finally:
                os.close(write_fd)  # else the parent never sees EOF on the pipe
        self._exit = _ExitWatch(self.process)
        self._notify_read_fd = read_fd
        pipe = os.fstat(read_fd)
        self._pipe_identity = (pipe.st_dev, pipe.st_ino)
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
        try:
            while True:
                more = await self._next_notices(notices)
                while chunk := os.pread(event_fd, 1 << 22, offset):
                    offset += len(chunk)
                    lines = self._lines.feed(chunk)
                    for start, end in slices(lines):
                        batch = self._decode(lines[start:end])
                        if batch:
                            yield batch
                        if end < len(lines):
                            await asyncio.sleep(0)  # let a screen answer its keys meanwhile
                if not more:
                    break  # the child is gone (and so is every process holding the pipe,
                    # or PIPE_GRACE has passed since the child exited)
            self._lines.finish()
            self.state.skipped_lines = self._lines.skipped
        finally:
            transport.close()
            self._event_file.close()

    async def _next_notices(self, notices: asyncio.StreamReader) -> bytes:
        """The next notices on the pipe; b"" at its EOF, or PIPE_GRACE seconds after the
        pytest process exited while something it left holds the pipe open."""
        assert self._exit is not None
        reading = asyncio.ensure_future(notices.read(4096))
        if self._exit.exited_at is None:
            exiting = asyncio.ensure_future(self._exit.event.wait())
            await asyncio.wait((reading, exiting), return_when=asyncio.FIRST_COMPLETED)
            exiting.cancel()
            if reading.done():
                return reading.result()
        assert self._exit.exited_at is not None
        left = self._exit.exited_at + PIPE_GRACE - asyncio.get_running_loop().time()
        try:
            return await asyncio.wait_for(reading, max(0.0, left))
        except TimeoutError:
            self._pipe_held = True
            return b""

    def _decode(self, lines: list[bytes]) -> list[Event]:
        batch: list[Event] = []
        state = self.state
        for line in lines:
            try:
                event = decode_line(line)
            except ProtocolError as error:
                self.protocol_error, event = str(error), None
            if event is None:
                self._lines.skipped += 1
                continue
            state.apply(event)
            batch.append(event)
        state.skipped_lines = self._lines.skipped
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
            assert self._exit is not None
            await self._exit.event.wait()
            # What pytest printed before it exited; a process it left may hold the pipes.
            left = self._exit.seconds_left(PIPE_GRACE)
            await asyncio.wait(drains, timeout=left)
        finally:
            if self.process.returncode is None:
                await self.cancel()
            for task in drains:
                task.cancel()
            self._reap_group()
            self.process.close()
        return self._result(self.process.returncode or 0)

    async def cancel(self) -> None:
        """SIGINT, then SIGTERM, then SIGKILL to the child's whole process group."""
        await self._started.wait()
        process, watch = self.process, self._exit
        if process is None or watch is None or process.returncode is not None:
            return
        if not self.cancelled:
            self.cancelled, self.cancelled_at = True, time.time()
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
                await asyncio.wait_for(watch.event.wait(), grace)
                break
            except TimeoutError:
                continue
        await watch.event.wait()  # not process.wait(): that waits for the pipes too
        self._reap_group()

    def _reap_group(self) -> None:
        """Kill whatever the tests left running in the child's process group, and whatever
        holds the run's pipe past the grace, having named it first."""
        if self.process is None:
            return
        leader = self.process.pid
        held = self._pipe_held and self._pipe_identity is not None
        if not held and not leftovers.group_alive(leader):
            return  # the usual ending: nothing left, no scan
        holding = [self._pipe_identity] if held and self._pipe_identity else []
        found = leftovers.find_leftovers(leader, holding)
        leftovers.kill_all(leader, found)
        self.left_running = tuple(sorted({*self.left_running, *found}))

    # -- the ending -----------------------------------------------------------------------
    def _current_test(self) -> tuple[str | None, float | None]:
        """The test the child was running when it ended, and when it started."""
        if self._current_file.closed:
            return None, None
        fd = self._current_file.fileno()
        try:
            header = os.pread(fd, 8, 0)
            length = int(header) if header.strip() else 0
            record = os.pread(fd, min(length, 1 << 20), 8).decode("utf-8", "replace")
        except (OSError, ValueError):
            record = ""
        finally:
            self._current_file.close()
        return _current_record(record)

    def _result(self, returncode: int) -> RunResult:
        state = self.state
        stderr = self._stderr.text()
        result = RunResult(
            exit_code=returncode,
            outcome=RunOutcome.FAILED,
            state=state,
            stdout_tail=self._stdout.text(),
            stderr_tail=stderr,
            skipped_lines=state.skipped_lines,
            command=self.command.argv,
            start=self.start_info,
        )
        result.left_running = self.left_running
        current_test, current_since = self._current_test()
        if self.cancelled:
            result.running_tests = self._interrupted_tests(current_test, current_since)
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
            result.error = crash_message(returncode, state.crashed_test)
            return result
        result.exit_code = returncode if 0 <= returncode <= 5 else state.exitstatus
        result.outcome = state.outcome
        if result.exit_code == 4:
            result.error = self._usage_error(stderr)
        return result

    def _usage_error(self, stderr: str) -> str:
        """pytest's usage error in one line: the configuration file and option when the
        configuration is what it refused."""
        folder, args = self.request.project, self.request.pytest_args
        config = config_error_line(stderr, args, find_inifile(folder, args), folder)
        return config or pytest_error_line(stderr) or "pytest reported a usage error"

    def _startup_result(self, result: RunResult, returncode: int, stderr: str) -> bool:
        """A conftest or plugin that could not be imported, reported by the child or read
        from pytest's stderr: its own outcome, pytest's exit code."""
        state = self.state
        if state.startup_error is None:
            found = startup_from_stderr(stderr, str(self.request.project))
            if found is None:
                return False
            state.apply(found)
        assert state.startup_error is not None
        result.exit_code = returncode
        result.outcome = state.outcome
        result.error = describe(state.startup_error)
        return True

    def _interrupted_tests(
        self, current: str | None, since: float | None
    ) -> tuple[RunningTest, ...]:
        """The tests still running when the cancel came: started ones the stream announced,
        else the one the current-test file names (started less than a tick before)."""
        state, end = self.state, self.cancelled_at or time.time()
        nodeids = state.running_tests or ([current] if current else [])
        found = []
        for nodeid in nodeids:
            record = state.tests.get(nodeid)
            started = record.started_at if record and record.started_at else None
            started = started or (since if nodeid == current else None)
            found.append(RunningTest(nodeid, max(0.0, end - started) if started else None))
        return tuple(found)

    def _result_without_session(self, result: RunResult, returncode: int, stderr: str) -> RunResult:
        """pytest never reached its configuration: a usage error or a broken interpreter."""
        interpreter = self.interpreter.path
        if self.protocol_error is not None:
            result.exit_code, result.outcome = EXIT_NOT_STARTED, RunOutcome.USAGE_ERROR
            result.error = self.protocol_error
        elif not self.cancelled and self._startup_result(result, returncode, stderr):
            return result
        elif "No module named pytest" in stderr:
            result.exit_code, result.outcome = EXIT_NOT_STARTED, RunOutcome.USAGE_ERROR
            result.error = (
                f"{interpreter} ({self.interpreter.reason}) has no pytest: "
                f"install it there ({interpreter} -m pip install pytest) or pass --python"
            )
        elif returncode in (2, 4) and not self.cancelled:
            result.exit_code, result.outcome = 4, RunOutcome.USAGE_ERROR
            result.error = self._usage_error(stderr)
        elif self.cancelled:
            result.exit_code, result.outcome = 2, RunOutcome.INTERRUPTED
        else:
            result.exit_code, result.outcome = EXIT_NOT_STARTED, RunOutcome.USAGE_ERROR
            last = last_line(stderr) or f"exit status {returncode}"
            result.error = f"pytest did not start under {interpreter}: {last}"
        return result


class _ExitWatch:
    """When the pytest process exited, by the launcher's ``wait()`` (which, unlike
    ``asyncio``'s, does not wait for pipes a process the tests forked may hold)."""

    def __init__(self, process: ChildProcess) -> None:
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()
        self.exited_at: float | None = None
        self._task = asyncio.ensure_future(process.wait())
        self._task.add_done_callback(self._exited)

    def _exited(self, task: asyncio.Future[int]) -> None:
        self.exited_at = self.loop.time()
        self.event.set()

    def seconds_left(self, grace: float) -> float:
        """What is left of ``grace`` seconds counted from the exit."""
        assert self.exited_at is not None
        return max(0.0, self.exited_at + grace - self.loop.time())


def _current_record(record: str) -> tuple[str | None, float | None]:
    """The current-test file's record, ``<start time> <node id>``; a test may have written
    anything there."""
    started, _, nodeid = record.partition(" ")
    try:
        since: float | None = float(started)
    except ValueError:
        since = None
    return (nodeid or None, since) if since is not None else (None, None)
