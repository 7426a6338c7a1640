"""Typed events of the child -> cockpit stream, decoded from the plugin's JSON lines.

The plugin (``cockpit/child/cockpit_pytest_plugin.py``) cannot import this module (it
runs in the user's interpreter), so the wire format is plain JSON and this module is the
single place that turns it into dataclasses. Unknown event kinds are skipped, so a newer
plugin can add events without breaking an older reader of the same protocol version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSION = 1


class ProtocolError(Exception):
    """The stream is not cockpit's, or speaks another protocol version."""


@dataclass(frozen=True, slots=True)
class CrashLocation:
    path: str
    lineno: int | None
    message: str


@dataclass(frozen=True, slots=True)
class SessionStarted:
    pytest_version: str
    python_version: str
    rootdir: str
    args: tuple[str, ...]
    workers: int
    pid: int
    time: float


@dataclass(frozen=True, slots=True)
class CollectedItem:
    nodeid: str
    file: str
    module: str | None


@dataclass(frozen=True, slots=True)
class CollectionFinished:
    items: tuple[CollectedItem, ...]


@dataclass(frozen=True, slots=True)
class CollectionError:
    nodeid: str
    file: str
    message: str
    longrepr: str


@dataclass(frozen=True, slots=True)
class CollectionSkipped:
    nodeid: str
    file: str
    message: str


@dataclass(frozen=True, slots=True)
class TestStarted:
    __test__ = False  # a domain name, not a test class for pytest to collect
    nodeid: str
    worker: str | None


@dataclass(frozen=True, slots=True)
class TestReport:
    """One phase (setup / call / teardown) of one test, as pytest reported it."""

    __test__ = False  # a domain name, not a test class for pytest to collect

    nodeid: str
    when: str
    outcome: str
    category: str
    duration: float
    worker: str | None = None
    crash: CrashLocation | None = None
    longrepr: str | None = None
    wasxfail: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    log: str | None = None


@dataclass(frozen=True, slots=True)
class PhasesPassed:
    """Phases of one test that passed plainly, sent together to keep the stream small."""

    nodeid: str
    phases: tuple[str, ...]
    duration: float
    worker: str | None = None


@dataclass(frozen=True, slots=True)
class WarningRecorded:
    message: str
    category: str
    filename: str
    lineno: int | None
    nodeid: str
    when: str


@dataclass(frozen=True, slots=True)
class ImportsSeen:
    """What the run imported, sent at session end: the modules from installed packages
    and the standard library (a warm server preloads them), and each import by a
    computed name that loaded a project file: (importing file, module, its file)."""

    modules: tuple[str, ...]
    computed: tuple[tuple[str, str, str], ...] = ()
    complete: bool = False
    """Whether ``computed`` saw every test run (not under xdist, where workers run them)."""


@dataclass(frozen=True, slots=True)
class SessionFinished:
    exitstatus: int
    time: float


Event = (
    SessionStarted
    | CollectionFinished
    | CollectionError
    | CollectionSkipped
    | TestStarted
    | TestReport
    | PhasesPassed
    | WarningRecorded
    | ImportsSeen
    | SessionFinished
)


def decode_line(line: bytes) -> Event | None:
    """Decode one line of the stream; None for a line that is not a known event."""
    try:
        raw = json.loads(line)
    except ValueError:
        return None
    return decode_event(raw) if isinstance(raw, dict) else None


def _crash(raw: Any) -> CrashLocation | None:
    if not isinstance(raw, dict):
        return None
    lineno = raw.get("lineno")
    return CrashLocation(
        path=str(raw.get("path", "")),
        lineno=int(lineno) if isinstance(lineno, int) else None,
        message=str(raw.get("message", "")),
    )


def _test_report(raw: dict[str, Any]) -> TestReport:
    return TestReport(
        nodeid=raw["nodeid"],
        when=raw["when"],
        outcome=raw["outcome"],
        category=raw.get("category", ""),
        duration=float(raw.get("duration") or 0.0),
        worker=raw.get("worker"),
        crash=_crash(raw.get("crash")),
        longrepr=raw.get("longrepr"),
        wasxfail=raw.get("wasxfail"),
        stdout=raw.get("stdout"),
        stderr=raw.get("stderr"),
        log=raw.get("log"),
    )


def _phases_passed(raw: dict[str, Any]) -> PhasesPassed:
    return PhasesPassed(
        nodeid=raw["nodeid"],
        phases=tuple(raw.get("phases", ())),
        duration=float(raw.get("duration") or 0.0),
        worker=raw.get("worker"),
    )


def _test_started(raw: dict[str, Any]) -> TestStarted:
    return TestStarted(nodeid=raw["nodeid"], worker=raw.get("worker"))


def _session_started(raw: dict[str, Any]) -> SessionStarted:
    if raw.get("protocol") != PROTOCOL_VERSION:
        raise ProtocolError(
            f"the pytest plugin speaks protocol {raw.get('protocol')!r}, "
            f"this cockpit reads {PROTOCOL_VERSION}: reinstall cockpit"
        )
    return SessionStarted(
        pytest_version=raw["pytest_version"],
        python_version=raw.get("python_version", ""),
        rootdir=raw["rootdir"],
        args=tuple(raw.get("args", ())),
        workers=int(raw.get("workers") or 0),
        pid=int(raw.get("pid") or 0),
        time=float(raw.get("time") or 0.0),
    )


def _collection(raw: dict[str, Any]) -> CollectionFinished:
    return CollectionFinished(
        items=tuple(
            CollectedItem(nodeid=i["nodeid"], file=i["file"], module=i.get("module"))
            for i in raw["items"]
        )
    )


def _collection_error(raw: dict[str, Any]) -> CollectionError:
    return CollectionError(
        nodeid=raw["nodeid"],
        file=raw["file"],
        message=raw.get("message") or "collection failed",
        longrepr=raw.get("longrepr") or "",
    )


def _collection_skipped(raw: dict[str, Any]) -> CollectionSkipped:
    return CollectionSkipped(
        nodeid=raw["nodeid"], file=raw["file"], message=raw.get("message") or ""
    )


def _warning(raw: dict[str, Any]) -> WarningRecorded:
    return WarningRecorded(
        message=raw.get("message", ""),
        category=raw.get("category", "Warning"),
        filename=raw.get("filename", ""),
        lineno=raw.get("lineno"),
        nodeid=raw.get("nodeid", ""),
        when=raw.get("when", ""),
    )


def _imports(raw: dict[str, Any]) -> ImportsSeen:
    computed = tuple(
        (str(edge[0]), str(edge[1]), str(edge[2]))
        for edge in raw.get("computed") or ()
        if isinstance(edge, list) and len(edge) == 3
    )
    modules = tuple(str(name) for name in raw.get("modules") or ())
    return ImportsSeen(modules, computed, bool(raw.get("complete")))


def _session_finished(raw: dict[str, Any]) -> SessionFinished:
    return SessionFinished(exitstatus=int(raw["exitstatus"]), time=float(raw.get("time") or 0.0))


_DECODERS: dict[str, Callable[[dict[str, Any]], Event]] = {
    "test_report": _test_report,
    "phases_passed": _phases_passed,
    "test_start": _test_started,
    "session_start": _session_started,
    "collection": _collection,
    "collect_error": _collection_error,
    "collect_skip": _collection_skipped,
    "warning": _warning,
    "imports": _imports,
    "session_finish": _session_finished,
}
"""The plugin's event kinds (its ``kind`` field), each with its decoder."""


def decode_event(raw: dict[str, Any]) -> Event | None:
    """Build the typed event for one decoded JSON object; None for an unknown kind."""
    decoder = _DECODERS.get(str(raw.get("kind")))
    return decoder(raw) if decoder is not None else None
