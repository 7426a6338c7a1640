"""The pytest plugin cockpit loads into the child process with ``-p cockpit_pytest_plugin``.

It runs inside the *user's* interpreter, which may not have cockpit installed, may be an
older Python and an older pytest: so it imports only the standard library and pytest,
and avoids syntax newer than Python 3.8.

Events are newline-delimited JSON appended with ``os.write`` to a file cockpit created
(``COCKPIT_EVENT_FD``): a write to a regular file wakes nobody and never blocks on a slow
reader, and what was written survives ``os._exit`` or a segfault, so no result that
finished before a crash is lost. A daemon thread tells cockpit there is more to read by
writing one byte to an inherited pipe (``COCKPIT_NOTIFY_FD``) at most every
``NOTIFY_INTERVAL`` seconds: one wakeup of the parent per event would cost a fast suite
~40% of its wall time. Collection, errors and the session end notify at once.

The phases of a passing test (the great majority) travel as one compact event, not three
reports, and fields that are empty are left out. The node id of the running test is also
written, with one ``pwrite``, into a small file (``COCKPIT_CURRENT_FD``), so cockpit can
name the test that killed the interpreter even if its start event was never read.

Tests can write into these descriptors too. Each line starts with the run's token
(``COCKPIT_EVENT_TOKEN``), so cockpit tells its lines from anything a test wrote; and a
process a test forked never writes an event (it would report a second copy of the run).

At session end it lists the modules the run imported from installed packages and the
standard library (never the project's, never what pytest assert-rewrote): cockpit's warm
server preloads them for the next runs. PYTEST_DONT_REWRITE: the warm server imports this
module before pytest starts, so pytest must not expect to rewrite it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

import pytest

if TYPE_CHECKING:
    from cockpit.child.cockpit_call_map import CallMap, register_call_map, start_call_map
    from cockpit.child.cockpit_event_fields import (
        clip,
        collect_event,
        module_of,
        report_category,
        report_event,
        worker_of,
    )
    from cockpit.child.cockpit_import_recorder import ComputedImports, library_modules
    from cockpit.child.cockpit_orphan_watchdog import OrphanWatchdog
    from cockpit.child.cockpit_startup_errors import startup_error_event
else:
    try:  # the child's folder is on PYTHONPATH: its modules load by their own names
        from cockpit_call_map import CallMap, register_call_map, start_call_map  # noqa: F401
        from cockpit_event_fields import (
            clip,
            collect_event,
            module_of,
            report_category,
            report_event,
            worker_of,
        )
        from cockpit_import_recorder import ComputedImports, library_modules
        from cockpit_orphan_watchdog import OrphanWatchdog
        from cockpit_startup_errors import startup_error_event
    except ImportError:  # imported as cockpit.child.cockpit_pytest_plugin
        from cockpit.child.cockpit_call_map import register_call_map, start_call_map
        from cockpit.child.cockpit_event_fields import (
            clip,
            collect_event,
            module_of,
            report_category,
            report_event,
            worker_of,
        )
        from cockpit.child.cockpit_import_recorder import ComputedImports, library_modules
        from cockpit.child.cockpit_orphan_watchdog import OrphanWatchdog
        from cockpit.child.cockpit_startup_errors import startup_error_event

PROTOCOL_VERSION = 1
EVENT_FD_ENV = "COCKPIT_EVENT_FD"
TOKEN_ENV = "COCKPIT_EVENT_TOKEN"
NOTIFY_FD_ENV = "COCKPIT_NOTIFY_FD"
CURRENT_FD_ENV = "COCKPIT_CURRENT_FD"
CAPTURE_CAP_ENV = "COCKPIT_CAPTURE_CAP"
QUIET_ENV = "COCKPIT_QUIET_TERMINAL"
ROOT_ENV = "COCKPIT_PROJECT_ROOT"
DEFAULT_CAPTURE_CAP = 64 * 1024
NOTIFY_INTERVAL = 0.05
CURRENT_RECORD_HEADER = 8  # zero-padded decimal length, then the UTF-8 node id


COLLECTION_CHUNK = 1000
COLLECTION_CHUNK_BYTES = 1 << 20
"""Collected items per collection event: at most this many, of about this many bytes."""


def gateway_count(config: Any) -> int:
    """The xdist workers a run starts: ``-n N``, else the ``--tx`` specs (``2*popen``)."""
    numprocesses = getattr(config.option, "numprocesses", None)
    if isinstance(numprocesses, int) and numprocesses > 0:
        return numprocesses
    count = 0
    for spec in getattr(config.option, "tx", None) or ():
        times, star, _ = str(spec).partition("*")
        count += int(times) if star and times.isdigit() else 1
    return count


class EventWriter:
    """Appends encoded events to the event file; a daemon thread notifies cockpit."""

    def __init__(self, fd: int, notify_fd: Optional[int], token: str = "") -> None:
        self.fd = fd
        self.notify_fd = notify_fd
        self.prefix = token.encode("ascii", "replace")
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.closed = False
        self.dirty = False
        # The test running now and when it started (set by the reporter), announced by the
        # notify thread only once it has outlived a tick: a fast test needs no start event.
        self.current: Optional[Tuple[str, float]] = None
        self.announced: Optional[Tuple[str, float]] = None
        self.wakeup = threading.Event()
        if notify_fd is not None:
            with contextlib.suppress(OSError):
                os.set_blocking(notify_fd, False)  # a stalled reader must never stall tests
        self.thread = threading.Thread(target=self._notify_loop, name="cockpit-events")
        self.thread.daemon = True
        self.thread.start()

    def emit(self, event: Dict[str, Any], urgent: bool = False) -> None:
        if os.getpid() != self.pid:
            return  # a process a test forked, running on inside pytest: not this run
        compact = {key: value for key, value in event.items() if value is not None}
        line = json.dumps(compact, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        with self.lock:
            if self.closed:
                return
            view = memoryview(self.prefix + line + b"\n")
            try:
                while view:
                    view = view[os.write(self.fd, view) :]
            except OSError:
                self.closed = True  # cockpit went away: drop events rather than fail the run
                return
            self.dirty = True
        if urgent:
            self.notify()

    def notify(self) -> None:
        if not self.dirty or self.notify_fd is None or os.getpid() != self.pid:
            return
        self.dirty = False
        try:
            os.write(self.notify_fd, b".")
        except BlockingIOError:
            pass  # the pipe is full of notices already: cockpit will read anyway
        except OSError:
            self.notify_fd = None

    def _notify_loop(self) -> None:
        watchdog = OrphanWatchdog()
        seen: Optional[Tuple[str, float]] = None
        while not self.wakeup.wait(NOTIFY_INTERVAL):
            current = self.current
            if current is not None and current == seen and current != self.announced:
                self.announced = current
                self.emit({"kind": "test_start", "nodeid": current[0], "time": current[1]})
            seen = current
            self.notify()
            watchdog.check()

    def close(self) -> None:
        if os.getpid() != self.pid:
            return
        self.wakeup.set()
        with self.lock:
            self.closed = True
        self.dirty = True
        self.notify()
        for fd in (self.fd, self.notify_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)


class CockpitReporter:
    """Turns pytest hooks into cockpit events; active only in the controlling process."""

    def __init__(self, config: Any, writer: EventWriter, current_fd: Optional[int]) -> None:
        self.config = config
        self.writer = writer
        self.current_fd = current_fd
        self.cap = int(os.environ.get(CAPTURE_CAP_ENV, DEFAULT_CAPTURE_CAP))
        self.collection_sent = False
        # Under xdist several tests run at once and the controller learns of starts late:
        # announce each one. Alone, starts are announced lazily by the writer's thread.
        self.eager_starts = getattr(config.option, "dist", "no") != "no"
        self.passed_phases = {}  # type: Dict[str, List[Any]]
        self.failure_sent = False

    # -- the running-test marker -------------------------------------------------------
    def _mark_current(self, nodeid: str, started: float = 0.0) -> None:
        """``<length><start time> <node id>``, or an empty record between tests."""
        if self.current_fd is None or os.getpid() != self.writer.pid:
            return
        data = ("%.6f %s" % (started, nodeid)).encode("utf-8", "replace") if nodeid else b""
        try:
            os.pwrite(self.current_fd, b"%08d" % len(data) + data, 0)
        except OSError:
            self.current_fd = None

    # -- session ----------------------------------------------------------------------
    def session_start(self) -> None:
        dist = getattr(self.config.option, "dist", "no")
        workers = gateway_count(self.config) if dist != "no" else 0
        self.writer.emit(
            {
                "kind": "session_start",
                "protocol": PROTOCOL_VERSION,
                "pytest_version": pytest.__version__,
                "python_version": sys.version.split()[0],
                "rootdir": str(self.config.rootpath),
                "args": [str(arg) for arg in self.config.invocation_params.args],
                "workers": workers,
                "pid": os.getpid(),
                "time": time.time(),
            },
            urgent=True,
        )

    def emit_collection(
        self, nodeids: List[str], modules: Optional[List[Optional[str]]] = None
    ) -> None:
        if self.collection_sent:
            return
        self.collection_sent = True
        items = []
        for index, nodeid in enumerate(nodeids):
            items.append(
                {
                    "nodeid": nodeid,
                    "file": module_of(nodeid),
                    "module": modules[index] if modules else None,
                }
            )
        # In chunks: one 10,000-item line took cockpit 0.1-0.6 s to decode in one go, time in
        # which its screen could not answer a key. Long node ids make smaller chunks.
        chunk = []  # type: List[Dict[str, Any]]
        size = 0
        for item in items:
            chunk.append(item)
            size += 2 * len(str(item["nodeid"])) + 64
            if len(chunk) >= COLLECTION_CHUNK or size >= COLLECTION_CHUNK_BYTES:
                self.writer.emit({"kind": "collection", "items": chunk}, urgent=True)
                chunk, size = [], 0
        if chunk or not items:
            self.writer.emit({"kind": "collection", "items": chunk}, urgent=True)

    def pytest_deselected(self, items: List[Any]) -> None:
        self.writer.emit({"kind": "deselected", "count": len(items)})

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: Any) -> None:
        modules = []
        for item in session.items:
            module = getattr(item, "module", None)
            modules.append(getattr(module, "__name__", None))
        self.emit_collection([item.nodeid for item in session.items], modules)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: List[str]) -> None:
        self.emit_collection(list(ids))

    def pytest_collectreport(self, report: Any) -> None:
        event = collect_event(report, self.cap)
        if event is not None:
            self.writer.emit(event, urgent=report.failed)

    # -- tests ------------------------------------------------------------------------
    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        started = time.time()
        if self.eager_starts:
            self.writer.emit({"kind": "test_start", "nodeid": nodeid, "time": started})
            return
        self._mark_current(nodeid, started)
        self.writer.current = (nodeid, started)

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        if not self.eager_starts:
            self.writer.current = None
            self._mark_current("")

    def pytest_runtest_logreport(self, report: Any) -> None:
        category = report_category(report)
        printed = report.when == "call" and (report.capstdout or report.capstderr or report.caplog)
        plain_pass = report.passed and category in ("", "passed") and not printed
        if plain_pass:
            phases = self.passed_phases.setdefault(report.nodeid, [[], 0.0, None])
            phases[0].append(report.when)
            phases[1] += report.duration
            phases[2] = worker_of(report)
            if report.when == "teardown":
                self._flush_passed(report.nodeid)
            return
        self._flush_passed(report.nodeid)
        # The first failure is what the user of a small run waits for: it goes at once.
        first_failure = report.failed and not self.failure_sent
        self.failure_sent = self.failure_sent or report.failed
        self.writer.emit(
            report_event(report, self.cap), urgent=report.when == "???" or first_failure
        )

    def _flush_passed(self, nodeid: str) -> None:
        """Send the passing phases of ``nodeid`` gathered so far as one event."""
        phases = self.passed_phases.pop(nodeid, None)
        if phases is None:
            return
        self.writer.emit(
            {
                "kind": "phases_passed",
                "nodeid": nodeid,
                "phases": phases[0],
                "duration": phases[1],
                "worker": phases[2],
            }
        )

    def pytest_warning_recorded(
        self, warning_message: Any, when: str, nodeid: str, location: Any
    ) -> None:
        self.writer.emit(
            {
                "kind": "warning",
                "message": clip(str(warning_message.message), self.cap),
                "category": getattr(warning_message.category, "__name__", "Warning"),
                "filename": str(warning_message.filename),
                "lineno": warning_message.lineno,
                "nodeid": nodeid,
                "when": when,
            }
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: Any, exitstatus: Any) -> None:
        recorder = _COMPUTED[0] if _COMPUTED else None
        self.writer.emit(
            {
                "kind": "imports",
                "modules": library_modules(),
                "computed": recorder.as_json() if recorder is not None else [],
                # Under xdist the tests (and their imports) run in the workers.
                "complete": recorder is not None and not self.eager_starts,
            }
        )
        self.writer.emit(
            {"kind": "session_finish", "exitstatus": int(exitstatus), "time": time.time()},
            urgent=True,
        )

    def pytest_unconfigure(self, config: Any) -> None:
        while _COMPUTED:
            _COMPUTED.pop().uninstall()
        if os.getpid() != self.writer.pid:
            return
        self.writer.close()
        if self.current_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.current_fd)


def _inherit_fd(name: str) -> Optional[int]:
    """Take an fd number from the environment, and keep it from leaking further.

    Popping the variable and marking the fd non-inheritable keeps a pytest run nested
    inside a test (pytester, subprocess) from writing into this run's stream.
    """
    raw = os.environ.pop(name, None)
    if not raw:
        return None
    try:
        fd = int(raw)  # type: int
        os.set_inheritable(fd, False)
    except (ValueError, OSError):
        return None
    return fd


# -- failures before the session: a conftest or a plugin that cannot be imported ------------
# A conftest that fails to import stops pytest before ``pytest_configure``, where the
# reporter is registered. This module is imported early (``-p``), so a hook wrapper around
# the initial conftests sees a conftest's failure, and an excepthook sees an exception
# that leaves pytest altogether (a plugin named by ``-p`` or in ``pytest_plugins``).
_startup_reported = []  # type: List[bool]


def report_startup_error(error: BaseException, config: Any = None) -> None:
    """Write the startup error into cockpit's event file (once), and notify."""
    if _startup_reported or os.environ.get(EVENT_FD_ENV) is None:
        return
    _startup_reported.append(True)
    event_fd = _inherit_fd(EVENT_FD_ENV)
    notify_fd = _inherit_fd(NOTIFY_FD_ENV)
    if event_fd is None:
        return
    event = startup_error_event(error, config)
    event["protocol"] = PROTOCOL_VERSION
    cap = int(os.environ.get(CAPTURE_CAP_ENV, DEFAULT_CAPTURE_CAP))
    event["longrepr"] = clip(event["longrepr"], cap)
    event["message"] = clip(event["message"], cap)
    compact = {key: value for key, value in event.items() if value is not None}
    line = json.dumps(compact, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    token = os.environ.pop(TOKEN_ENV, "").encode("ascii", "replace")  # as EventWriter does
    with contextlib.suppress(OSError):
        os.write(event_fd, token + line + b"\n")
        if notify_fd is not None:
            os.write(notify_fd, b".")


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config: Any, parser: Any, args: Any) -> Any:
    outcome = yield
    excinfo = outcome.excinfo
    if excinfo is not None and not hasattr(early_config, "workerinput"):
        error = excinfo[1]
        if not isinstance(error, pytest.UsageError):  # pytest says those in one line
            report_startup_error(error, early_config)


_previous_excepthook = sys.excepthook


def _excepthook(kind: Any, error: BaseException, tb: Any) -> None:
    try:
        report_startup_error(error)
    finally:
        _previous_excepthook(kind, error, tb)


if os.environ.get(EVENT_FD_ENV):  # only in a run cockpit started, never in a plain pytest
    sys.excepthook = _excepthook


_COMPUTED = []  # type: List[ComputedImports]
_CALL_MAP = []  # type: List[CallMap]


def pytest_addoption(parser: Any) -> None:
    """Called as the plugin registers, before any conftest or test module is imported:
    the moment to start recording imports by computed names (in a cockpit run only)."""
    if os.environ.get(EVENT_FD_ENV) and not _COMPUTED:
        recorder = ComputedImports(os.environ.get(ROOT_ENV) or os.getcwd())
        recorder.install()
        _COMPUTED.append(recorder)
    if not _CALL_MAP:  # a traced run: from here on, imports count as outside tests
        _CALL_MAP.extend(start_call_map(os.environ.get(ROOT_ENV) or os.getcwd()))


@pytest.hookimpl(trylast=True)
def pytest_configure(config: Any) -> None:
    if sys.excepthook is _excepthook:
        sys.excepthook = _previous_excepthook  # the session starts: no longer a startup error
    register_call_map(config, _CALL_MAP)
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller reports for everyone
    event_fd = _inherit_fd(EVENT_FD_ENV)
    notify_fd = _inherit_fd(NOTIFY_FD_ENV)
    current_fd = _inherit_fd(CURRENT_FD_ENV)
    if event_fd is None:
        return
    if os.environ.pop(QUIET_ENV, "") == "1":
        # cockpit draws its own display: pytest's terminal reporter would cost a fast
        # suite ~25% of its wall time for output nobody reads. Unregistering the reporter
        # object (not ``-p no:terminal``) keeps its options (-q, -v, --tb, -r) valid.
        reporter_plugin = config.pluginmanager.get_plugin("terminalreporter")
        if reporter_plugin is not None:
            config.pluginmanager.unregister(reporter_plugin)
            # pytest's assertion comparison asks the config for the reporter's writer (to
            # highlight a diff); without it, every ``assert a == b`` that fails would fail
            # again inside pytest and be reported as a bare AssertionError from there.
            writer = reporter_plugin._tw
            config.get_terminal_writer = lambda: writer
    token = os.environ.pop(TOKEN_ENV, "")
    reporter = CockpitReporter(config, EventWriter(event_fd, notify_fd, token), current_fd)
    config.pluginmanager.register(reporter, "cockpit-reporter")
    reporter.session_start()
