"""Typed events of the child -> cockpit stream, decoded from the plugin's JSON lines.

The plugin (``cockpit/child/cockpit_pytest_plugin.py``) cannot import this module (it
runs in the user's interpreter), so the wire format is plain JSON and this module is the
single place that turns it into dataclasses. Unknown event kinds are skipped, so a newer
plugin can add events without breaking an older reader of the same protocol version.
"""

from __future__ import annotations

import json
import math
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
    lineno: int | None = None
    """The line of ``file`` where collecting it failed (the syntax error, the import)."""
    kind: str = "module"
    """``module`` (a test module failed to import), ``conftest`` (a conftest did: ``file``
    is its folder, every test under it blocked) or ``plugin``."""
    source: str | None = None
    """The conftest's path or the plugin's name, for ``conftest`` and ``plugin``."""


@dataclass(frozen=True, slots=True)
class StartupError:
    """pytest stopped before its session: a conftest or a plugin could not be imported."""

    what: str
    """``conftest``, ``plugin``, or ``startup`` (anything else that left pytest)."""
    conftest: str | None
    """The conftest that failed (or named the plugin in ``pytest_plugins``)."""
    plugin: str | None
    exception: str
    message: str
    longrepr: str
    """pytest's own traceback of it (what ``ImportError while loading conftest`` prints)."""
    rootdir: str


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
    time: float | None = None
    """When the test started (epoch seconds, the child's clock: this machine's)."""


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
class Deselected:
    """Tests that ``-k``, ``-m`` or ``--deselect`` took out of the run (pytest_deselected)."""

    count: int


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
    | Deselected
    | TestStarted
    | TestReport
    | PhasesPassed
    | WarningRecorded
    | ImportsSeen
    | SessionFinished
    | StartupError
)


class MalformedEvent(ValueError):
    """A JSON object of a known kind whose fields are missing or of the wrong type."""


def decode_line(line: bytes) -> Event | None:
    """Decode one line of the stream; None for a line that is not a well-formed event.

    Never raises for what a line holds (but for a session of another protocol): bytes that
    are not UTF-8, JSON that is not an object, nested beyond the parser's depth, or an
    event of a known kind with a field missing or of the wrong type.
    """
    try:
        raw = json.loads(line)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(raw, dict):
        return None
    try:
        return decode_event(raw)
    except MalformedEvent:
        return None


def _text(raw: dict[str, Any], key: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise MalformedEvent(key)
    return value


def _optional_text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedEvent(key)
    return value


def _number(raw: dict[str, Any], key: str) -> float:
    """A finite number (0.0 when absent): a duration or a time."""
    value = raw.get(key)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MalformedEvent(key)
    return float(value)


def _integer(raw: dict[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedEvent(key)
    return value


def _texts(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, ())
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise MalformedEvent(key)
    return tuple(value)


def _crash(raw: Any) -> CrashLocation | None:
    if not isinstance(raw, dict):
        return None
    lineno = raw.get("lineno")
    return CrashLocation(
        path=str(raw.get("path", "")),
        lineno=lineno if isinstance(lineno, int) and not isinstance(lineno, bool) else None,
        message=str(raw.get("message", "")),
    )


_PHASES = frozenset({"setup", "call", "teardown", "???"})


def _phase(raw: dict[str, Any]) -> str:
    when = _text(raw, "when")
    if when not in _PHASES:
        raise MalformedEvent("when")
    return when


def _test_report(raw: dict[str, Any]) -> TestReport:
    return TestReport(
        nodeid=_text(raw, "nodeid"),
        when=_phase(raw),
        outcome=_text(raw, "outcome"),
        category=_text(raw, "category", ""),
        duration=_number(raw, "duration"),
        worker=_optional_text(raw, "worker"),
        crash=_crash(raw.get("crash")),
        longrepr=_optional_text(raw, "longrepr"),
        wasxfail=_optional_text(raw, "wasxfail"),
        stdout=_optional_text(raw, "stdout"),
        stderr=_optional_text(raw, "stderr"),
        log=_optional_text(raw, "log"),
    )


def _phases_passed(raw: dict[str, Any]) -> PhasesPassed:
    phases = _texts(raw, "phases")
    if not _PHASES.issuperset(phases):
        raise MalformedEvent("phases")
    return PhasesPassed(
        nodeid=_text(raw, "nodeid"),
        phases=phases,
        duration=_number(raw, "duration"),
        worker=_optional_text(raw, "worker"),
    )


def _test_started(raw: dict[str, Any]) -> TestStarted:
    started = raw.get("time")
    return TestStarted(
        nodeid=_text(raw, "nodeid"),
        worker=_optional_text(raw, "worker"),
        time=_number(raw, "time") if started is not None else None,
    )


def _check_protocol(raw: dict[str, Any]) -> None:
    """The first event of a stream names the plugin's protocol: refuse another."""
    if raw.get("protocol") != PROTOCOL_VERSION:
        raise ProtocolError(
            f"the pytest plugin speaks protocol {raw.get('protocol')!r}, "
            f"this cockpit reads {PROTOCOL_VERSION}: reinstall cockpit"
        )


def _session_started(raw: dict[str, Any]) -> SessionStarted:
    _check_protocol(raw)
    return SessionStarted(
        pytest_version=_text(raw, "pytest_version"),
        python_version=_text(raw, "python_version", ""),
        rootdir=_text(raw, "rootdir"),
        args=_texts(raw, "args"),
        workers=_integer(raw, "workers") or 0,
        pid=_integer(raw, "pid") or 0,
        time=_number(raw, "time"),
    )


def _collected_item(raw: Any) -> CollectedItem:
    if not isinstance(raw, dict):
        raise MalformedEvent("items")
    return CollectedItem(
        nodeid=_text(raw, "nodeid"), file=_text(raw, "file"), module=_optional_text(raw, "module")
    )


def _collection(raw: dict[str, Any]) -> CollectionFinished:
    items = raw.get("items")
    if not isinstance(items, list):
        raise MalformedEvent("items")
    return CollectionFinished(items=tuple(map(_collected_item, items)))


def _collection_error(raw: dict[str, Any]) -> CollectionError:
    return CollectionError(
        nodeid=_text(raw, "nodeid"),
        file=_text(raw, "file"),
        message=_optional_text(raw, "message") or "collection failed",
        longrepr=_optional_text(raw, "longrepr") or "",
        lineno=_integer(raw, "lineno"),
    )


def _startup_error(raw: dict[str, Any]) -> StartupError:
    _check_protocol(raw)
    rootdir = str(raw.get("rootdir") or "")
    conftest = _optional_text(raw, "conftest")
    if conftest and rootdir and conftest.startswith(rootdir.rstrip("/") + "/"):
        conftest = conftest[len(rootdir.rstrip("/")) + 1 :]
    return StartupError(
        what=str(raw.get("what") or "startup"),
        conftest=conftest,
        plugin=_optional_text(raw, "plugin"),
        exception=str(raw.get("exception") or "Error"),
        message=str(raw.get("message") or ""),
        longrepr=str(raw.get("longrepr") or ""),
        rootdir=rootdir,
    )


def _collection_skipped(raw: dict[str, Any]) -> CollectionSkipped:
    return CollectionSkipped(
        nodeid=_text(raw, "nodeid"),
        file=_text(raw, "file"),
        message=_optional_text(raw, "message") or "",
    )


def _deselected(raw: dict[str, Any]) -> Deselected:
    count = _integer(raw, "count")
    if count is None or count < 0:
        raise MalformedEvent("count")
    return Deselected(count=count)


def _warning(raw: dict[str, Any]) -> WarningRecorded:
    return WarningRecorded(
        message=_text(raw, "message", ""),
        category=_text(raw, "category", "Warning"),
        filename=_text(raw, "filename", ""),
        lineno=_integer(raw, "lineno"),
        nodeid=_text(raw, "nodeid", ""),
        when=_text(raw, "when", ""),
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
    exitstatus = _integer(raw, "exitstatus")
    if exitstatus is None:
        raise MalformedEvent("exitstatus")
    return SessionFinished(exitstatus=exitstatus, time=_number(raw, "time"))


_DECODERS: dict[str, Callable[[dict[str, Any]], Event]] = {
    "test_report": _test_report,
    "phases_passed": _phases_passed,
    "test_start": _test_started,
    "session_start": _session_started,
    "collection": _collection,
    "collect_error": _collection_error,
    "collect_skip": _collection_skipped,
    "deselected": _deselected,
    "warning": _warning,
    "imports": _imports,
    "session_finish": _session_finished,
    "startup_error": _startup_error,
}
"""The plugin's event kinds (its ``kind`` field), each with its decoder."""


def decode_event(raw: dict[str, Any]) -> Event | None:
    """Build the typed event for one decoded JSON object; None for an unknown kind.

    Raises :class:`MalformedEvent` for a known kind whose fields are not what it needs.
    """
    decoder = _DECODERS.get(str(raw.get("kind")))
    return decoder(raw) if decoder is not None else None
