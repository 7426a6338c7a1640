"""JUnit XML (``pytest --junitxml``) read as cockpit's events, streamed with bounded memory.

The file is parsed with expat chunk by chunk and each ``<testcase>`` becomes the phase
reports a live run would have sent, as soon as its end tag is read: a 200 MB file never
sits in memory, and text inside an element (a huge ``system-out``) is clipped while it
streams in. Entity declarations are refused outright: entity expansion is how XML bombs
work, and pytest never writes a DTD.

How pytest writes outcomes (``_pytest/junitxml.py``): a failed call is ``<failure>``; a
setup or teardown error is ``<error message='failed on setup with "..."'>``; a failed call
whose teardown also fails is two testcases of one name, the second holding only the
teardown's ``<error>``; a skip is ``<skipped type="pytest.skip">``, an xfail
``<skipped type="pytest.xfail">``; an XPASS is a plain pass (the format cannot tell), a
strict one a ``<failure>``. A module that failed to collect is a testcase with an empty
``classname`` and an ``<error message="collection failure">``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from xml.parsers import expat

from cockpit.child.cockpit_event_fields import clip, collect_error_message, module_of
from cockpit.engine.events import (
    CollectionError,
    CollectionSkipped,
    CrashLocation,
    Event,
    PhasesPassed,
    TestReport,
)
from cockpit.imports.facts import FileFacts, FormatError
from cockpit.imports.nodeids import NodeIdResolver
from cockpit.imports.text import BoundedText, SectionedText, crash_of, unescape

CHUNK = 256 * 1024
_OUTCOME_TAGS = ("failure", "error", "skipped")
_SETUP_ERROR = 'failed on setup with "'
_TEARDOWN_ERROR = 'failed on teardown with "'


@dataclass(slots=True)
class Outcome:
    """One ``<failure>``, ``<error>`` or ``<skipped>`` of a testcase."""

    tag: str
    type: str
    message: str
    text: BoundedText


@dataclass(slots=True)
class Case:
    """One ``<testcase>`` as read: its names, time, outcome elements, captured output."""

    classname: str
    name: str
    file: str | None
    duration: float
    outcomes: list[Outcome] = field(default_factory=list)
    output: dict[str, SectionedText] = field(default_factory=dict)


def _timestamp(text: str | None) -> float | None:
    """The testsuite's start: ISO 8601 as pytest writes it (with its offset; older pytest
    wrote none, read as UTC since CI machines run on UTC)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _seconds(text: str | None) -> float:
    try:
        return max(0.0, float(text or 0))
    except ValueError:
        return 0.0


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Reader:
    """The expat handlers: elements in, finished cases out (``ready``)."""

    def __init__(self, facts: FileFacts, cap: int) -> None:
        self.facts = facts
        self.cap = cap
        self.root: str | None = None
        self.case: Case | None = None
        self.text: BoundedText | SectionedText | None = None
        self.ready: list[Case] = []
        self.open: list[str] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.open.append(name)
        if self.root is None:
            self.root = name
            if name not in ("testsuites", "testsuite"):
                raise FormatError(
                    f"is XML but not JUnit: its root element is <{name}>, "
                    "JUnit's is <testsuites> or <testsuite>"
                )
        if name == "testsuite":
            start = _timestamp(attrs.get("timestamp"))
            end = start + _seconds(attrs.get("time")) if start is not None else None
            self.facts.saw_time(start, end)
            self.facts.hostname = self.facts.hostname or attrs.get("hostname") or None
        elif name == "testcase":
            self.case = Case(
                classname=attrs.get("classname", ""),
                name=unescape(attrs.get("name", "")),
                file=attrs.get("file"),
                duration=_seconds(attrs.get("time")),
            )
        elif self.case is not None and name in _OUTCOME_TAGS:
            text = BoundedText(self.cap)
            message = unescape(attrs.get("message", ""))
            self.case.outcomes.append(Outcome(name, attrs.get("type", ""), message, text))
            self.text = text
        elif self.case is not None and name in ("system-out", "system-err"):
            default = "stdout" if name == "system-out" else "stderr"
            self.text = self.case.output.setdefault(name, SectionedText(self.cap, default))

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)

    def end(self, name: str) -> None:
        self.open.pop()
        if name == "testcase" and self.case is not None:
            self.ready.append(self.case)
            self.case = None
        self.text = None

    def refuse_entities(self, *_args: object) -> None:
        raise FormatError(
            "declares XML entities: refused, since entity expansion is how XML bombs work "
            "and JUnit files never need one"
        )


def read_cases(stream: Readable, facts: FileFacts, cap: int) -> Iterator[Case]:
    """Every ``<testcase>`` of a JUnit file, streamed; :class:`FormatError` on anything
    else (not JUnit, not well-formed, cut off, entity declarations)."""
    reader = _Reader(facts, cap)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 64 * 1024
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.data
    parser.EntityDeclHandler = reader.refuse_entities
    while True:
        chunk = stream.read(CHUNK)
        try:
            parser.Parse(chunk, not chunk)
        except expat.ExpatError as error:
            raise FormatError(_describe(error, reader, final=not chunk)) from None
        yield from reader.ready
        reader.ready.clear()
        if not chunk:
            return


def _describe(error: expat.ExpatError, reader: _Reader, *, final: bool) -> str:
    where = f"line {error.lineno}"
    if final and error.code in (
        expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
        expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
        expat.errors.codes[expat.errors.XML_ERROR_PARTIAL_CHAR],
    ):
        inside = f" inside <{reader.open[-1]}>" if reader.open else ""
        if reader.root is None:
            return "is empty: no XML element at all, so neither JUnit XML nor a report-log"
        return (
            f"is cut off: the XML ends at {where}{inside} (was the CI job stopped while "
            "pytest wrote it?)"
        )
    reason = expat.errors.messages[error.code]
    return f"is not well-formed XML at {where}, column {error.offset} ({reason})"


def _reason(message: str, prefix: str) -> str:
    """The crash message inside pytest's ``failed on setup with "<message>"``."""
    inner = message[len(prefix) :]
    return inner[:-1] if inner.endswith('"') else inner


@dataclass(slots=True)
class _Phase:
    outcome: str = "passed"
    category: str = ""
    message: str = ""
    longrepr: str | None = None
    wasxfail: str | None = None


_SKIP_LOCATION = re.compile(r"\A(.+):(\d+): ")


def _phases(case: Case, cap: int) -> dict[str, _Phase]:
    """The setup, call and teardown outcomes a testcase's elements stand for."""
    phases = {"setup": _Phase(), "call": _Phase(category="passed"), "teardown": _Phase()}
    for outcome in case.outcomes:
        text = unescape(outcome.text.value())
        message = clip(outcome.message, cap) or ""
        if outcome.tag == "failure":
            phases["call"] = _Phase("failed", "failed", message, text or message)
        elif outcome.tag == "error":
            when = "teardown" if message.startswith(_TEARDOWN_ERROR) else "setup"
            prefix = _TEARDOWN_ERROR if when == "teardown" else _SETUP_ERROR
            if message.startswith(prefix):
                message = _reason(message, prefix)
            phases[when] = _Phase("failed", "error", message, text or message)
        elif outcome.type == "pytest.xfail":
            phases["call"] = _Phase("skipped", "xfailed", wasxfail=message)
        else:
            phases["call"] = _Phase("skipped", "skipped", f"Skipped: {message}", text)
    return phases


def _crash(phase: _Phase) -> CrashLocation | None:
    if phase.outcome == "failed":
        return crash_of(phase.message, phase.longrepr or "")
    where = _SKIP_LOCATION.match(phase.longrepr or "") if phase.outcome == "skipped" else None
    if where is None:
        return None
    return CrashLocation(where.group(1), int(where.group(2)), phase.message)


def _report(case: Case, nodeid: str, when: str, phase: _Phase) -> TestReport:
    failed = phase.outcome == "failed"
    output: dict[str, str] = {}
    if failed or when == "call":
        for section in case.output.values():
            output.update(section.values())
    return TestReport(
        nodeid=nodeid,
        when=when,
        outcome=phase.outcome,
        category=phase.category,
        duration=case.duration if when == "call" or (when == "setup" and failed) else 0.0,
        crash=_crash(phase),
        longrepr=phase.longrepr if failed else None,
        wasxfail=phase.wasxfail,
        stdout=output.get("stdout"),
        stderr=output.get("stderr"),
        log=output.get("log"),
    )


def collector_events(case: Case, resolver: NodeIdResolver, cap: int) -> list[Event]:
    """The event of a collector's testcase (``classname=""``): a module that failed to
    collect or was skipped."""
    path = resolver.collector_path(case.name)
    for outcome in case.outcomes:
        text = unescape(outcome.text.value())
        if outcome.tag == "error":
            message = clip(collect_error_message(text), cap) or "collection failed"
            return [CollectionError(path, module_of(path), message, text)]
        if outcome.tag == "skipped":
            return [CollectionSkipped(path, module_of(path), _collect_skip(text))]
    return []


def case_events(case: Case, nodeid: str, cap: int, *, continuation: bool = False) -> list[Event]:
    """The events a live run would have sent for the test ``nodeid`` of one testcase.
    ``continuation``: the testcase repeats a test already read, to add its teardown error
    (see the module)."""
    if not case.outcomes and not continuation:  # a plain pass: one event, as the plugin sends
        return [PhasesPassed(nodeid, ("setup", "call", "teardown"), case.duration)]
    phases = _phases(case, cap)
    if continuation:
        return [_report(case, nodeid, "teardown", phases["teardown"])]
    events: list[Event] = [_report(case, nodeid, "setup", phases["setup"])]
    if phases["setup"].outcome == "passed":
        events.append(_report(case, nodeid, "call", phases["call"]))
    events.append(_report(case, nodeid, "teardown", phases["teardown"]))
    return events


def _collect_skip(text: str) -> str:
    """A module skip's reason: pytest writes the repr of ``(path, line, "Skipped: why")``."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    if isinstance(value, tuple) and len(value) == 3:
        return str(value[2])
    return text


def is_internal_error(case: Case) -> bool:
    """pytest's own crash (``INTERNALERROR``), written as a testcase of its own."""
    return case.classname == "pytest" and case.name == "internal"


def is_teardown_error_only(case: Case) -> bool:
    """A testcase holding nothing but a teardown error: when its test was read already,
    pytest split a failed call and a failed teardown into two testcases."""
    return len(case.outcomes) == 1 and case.outcomes[0].message.startswith(_TEARDOWN_ERROR)
