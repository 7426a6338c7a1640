"""The pytest plugin cockpit loads into the child process with ``-p cockpit_pytest_plugin``.

It runs inside the *user's* interpreter, which may not have cockpit installed, may be an
older Python and an older pytest: so it imports only the standard library and pytest,
and avoids syntax newer than Python 3.8.

It writes newline-delimited JSON events to a file descriptor inherited from cockpit
(``COCKPIT_EVENT_FD``). Events are buffered and written at most every
``FLUSH_INTERVAL`` seconds by a small daemon thread, because each write wakes the parent
and one write per event costs ~40% of a fast suite's wall time; collection results,
errors and the session end are written at once. The node id of the running test is also
written, with one ``pwrite``, into a small file (``COCKPIT_CURRENT_FD``) that survives a
hard crash of the interpreter, so cockpit can name the test that killed it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any, Dict, List, Optional

import pytest

PROTOCOL_VERSION = 1
EVENT_FD_ENV = "COCKPIT_EVENT_FD"
CURRENT_FD_ENV = "COCKPIT_CURRENT_FD"
CAPTURE_CAP_ENV = "COCKPIT_CAPTURE_CAP"
QUIET_ENV = "COCKPIT_QUIET_TERMINAL"
DEFAULT_CAPTURE_CAP = 64 * 1024
FLUSH_INTERVAL = 0.05
CURRENT_RECORD_HEADER = 8  # zero-padded decimal length, then the UTF-8 node id


def clip(text: Optional[str], cap: int) -> Optional[str]:
    """Keep the head and the tail of ``text`` within ``cap`` characters, valid for UTF-8."""
    if text is None:
        return None
    if len(text) > cap:
        half = cap // 2
        cut = len(text) - 2 * half
        text = "%s\n... [cockpit cut %d characters] ...\n%s" % (text[:half], cut, text[-half:])
    # Lone surrogates (from undecodable bytes) cannot be encoded to UTF-8: replace them.
    return text.encode("utf-8", "replace").decode("utf-8")


def report_category(report: Any) -> str:
    """The summary category pytest's terminal reporter would count ``report`` under.

    Computed here rather than through ``pytest_report_teststatus`` because cockpit turns
    the terminal reporter (which implements that hook's default) off.
    """
    when = getattr(report, "when", None)
    if hasattr(report, "wasxfail"):
        if report.skipped:
            return "xfailed"
        if report.passed:
            return "xpassed"
    if report.passed:
        return "passed" if when == "call" else ""
    if report.failed:
        return "error" if when in ("setup", "teardown", "collect") else "failed"
    if report.skipped:
        return "skipped"
    return str(getattr(report, "outcome", ""))


def crash_location(report: Any) -> Optional[Dict[str, Any]]:
    longrepr = getattr(report, "longrepr", None)
    crash = getattr(longrepr, "reprcrash", None)
    if crash is None:
        if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
            return {"path": str(longrepr[0]), "lineno": longrepr[1], "message": str(longrepr[2])}
        return None
    return {"path": str(crash.path), "lineno": crash.lineno, "message": str(crash.message)}


def worker_of(report: Any) -> Optional[str]:
    """The xdist worker (``gw0``...) that produced ``report``, None without xdist."""
    worker = getattr(report, "worker_id", None)
    if worker:
        return str(worker)
    gateway = getattr(getattr(report, "node", None), "gateway", None)
    return str(gateway.id) if gateway is not None else None


def module_of(nodeid: str) -> str:
    """The file part of a node id (``tests/test_a.py::TestX::test_y[1]`` -> ``tests/test_a.py``)."""
    return nodeid.split("::", 1)[0]


class EventWriter:
    """Buffers encoded events and writes them to the inherited fd from a daemon thread."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.lock = threading.Lock()
        self.buffer: List[bytes] = []
        self.closed = False
        self.wakeup = threading.Event()
        self.thread = threading.Thread(target=self._flush_loop, name="cockpit-events")
        self.thread.daemon = True
        self.thread.start()

    def emit(self, event: Dict[str, Any], urgent: bool = False) -> None:
        line = json.dumps(event, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        with self.lock:
            self.buffer.append(line + b"\n")
        if urgent:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            if not self.buffer or self.closed:
                return
            data = b"".join(self.buffer)
            self.buffer = []
            view = memoryview(data)
            try:
                while view:
                    written = os.write(self.fd, view)
                    view = view[written:]
            except OSError:
                # cockpit went away (pipe closed): drop events rather than fail the run.
                self.closed = True

    def _flush_loop(self) -> None:
        while not self.wakeup.wait(FLUSH_INTERVAL):
            self.flush()

    def close(self) -> None:
        self.wakeup.set()
        self.flush()
        with self.lock:
            self.closed = True
        try:
            os.close(self.fd)
        except OSError:
            pass


class CockpitReporter:
    """Turns pytest hooks into cockpit events; active only in the controlling process."""

    def __init__(self, config: Any, writer: EventWriter, current_fd: Optional[int]) -> None:
        self.config = config
        self.writer = writer
        self.current_fd = current_fd
        self.cap = int(os.environ.get(CAPTURE_CAP_ENV, DEFAULT_CAPTURE_CAP))
        self.collection_sent = False

    # -- the running-test marker -------------------------------------------------------
    def _mark_current(self, nodeid: str) -> None:
        if self.current_fd is None:
            return
        data = nodeid.encode("utf-8", "replace")
        try:
            os.pwrite(self.current_fd, b"%08d" % len(data) + data, 0)
        except OSError:
            self.current_fd = None

    # -- session ----------------------------------------------------------------------
    def session_start(self) -> None:
        numprocesses = getattr(self.config.option, "numprocesses", None)
        dist = getattr(self.config.option, "dist", "no")
        workers = numprocesses if (dist != "no" and isinstance(numprocesses, int)) else 0
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

    def emit_collection(self, nodeids: List[str], modules: Optional[List[str]] = None) -> None:
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
        self.writer.emit({"kind": "collection", "items": items}, urgent=True)

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
        if report.failed:
            self.writer.emit(
                {
                    "kind": "collect_error",
                    "nodeid": report.nodeid,
                    "file": module_of(report.nodeid),
                    "message": clip(_collect_error_message(report), self.cap),
                    "longrepr": clip(report.longreprtext, self.cap),
                },
                urgent=True,
            )
        elif report.skipped:
            location = crash_location(report)
            self.writer.emit(
                {
                    "kind": "collect_skip",
                    "nodeid": report.nodeid,
                    "file": module_of(report.nodeid),
                    "message": clip(location["message"] if location else "", self.cap),
                }
            )

    # -- tests ------------------------------------------------------------------------
    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self._mark_current(nodeid)
        self.writer.emit({"kind": "test_start", "nodeid": nodeid, "worker": None})

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self._mark_current("")

    def pytest_runtest_logreport(self, report: Any) -> None:
        failed = report.failed
        sections = {"stdout": None, "stderr": None, "log": None}  # type: Dict[str, Optional[str]]
        if failed or report.when == "call":
            sections = {
                "stdout": clip(report.capstdout or None, self.cap),
                "stderr": clip(report.capstderr or None, self.cap),
                "log": clip(report.caplog or None, self.cap),
            }
        self.writer.emit(
            {
                "kind": "test_report",
                "nodeid": report.nodeid,
                "when": report.when,
                "outcome": report.outcome,
                "category": report_category(report),
                "duration": report.duration,
                "worker": worker_of(report),
                "crash": crash_location(report) if (failed or report.skipped) else None,
                "longrepr": clip(report.longreprtext, self.cap) if failed else None,
                "wasxfail": getattr(report, "wasxfail", None),
                **sections,
            },
            urgent=report.when == "???",
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
        self.writer.emit(
            {"kind": "session_finish", "exitstatus": int(exitstatus), "time": time.time()},
            urgent=True,
        )

    def pytest_unconfigure(self, config: Any) -> None:
        self.writer.close()
        if self.current_fd is not None:
            try:
                os.close(self.current_fd)
            except OSError:
                pass


def _collect_error_message(report: Any) -> str:
    """One line saying why a module failed to collect (the last ``E`` line, else the last)."""
    text = report.longreprtext or ""
    lines = [line for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("E "):
            return line[1:].strip()
    return lines[-1].strip() if lines else "collection failed"


def _inherit_fd(name: str) -> Optional[int]:
    """Take an fd number from the environment, and keep it from leaking further.

    Popping the variable and marking the fd non-inheritable keeps a pytest run nested
    inside a test (pytester, subprocess) from writing into this run's stream.
    """
    raw = os.environ.pop(name, None)
    if not raw:
        return None
    try:
        fd = int(raw)
        os.set_inheritable(fd, False)
    except (ValueError, OSError):
        return None
    return fd


@pytest.hookimpl(trylast=True)
def pytest_configure(config: Any) -> None:
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller reports for everyone
    event_fd = _inherit_fd(EVENT_FD_ENV)
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
    if getattr(config.option, "dist", "no") != "no":
        current_fd = None  # xdist names a crashed worker's test itself
    reporter = CockpitReporter(config, EventWriter(event_fd), current_fd)
    config.pluginmanager.register(reporter, "cockpit-reporter")
    reporter.session_start()
