"""pytest-reportlog files (``pytest --report-log``) read as cockpit's events, line by line.

Each line is one of pytest's own reports serialised to JSON (``$report_type``:
``SessionStart``, ``TestReport``, ``CollectReport``, ``WarningMessage``, ``SessionFinish``).
pytest rebuilds the report objects itself (``TestReport._from_json``, what xdist's
controller does with its workers' reports), and the very functions cockpit's plugin runs
in a live run turn them into events: the categories, crash locations, clipping and
captured output of an imported run are a live run's, exactly. Memory holds one line at a
time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from _pytest.reports import CollectReport, TestReport

from cockpit.child.cockpit_event_fields import collect_event, report_event
from cockpit.engine.events import Event, decode_event
from cockpit.imports.facts import FileFacts, FormatError
from cockpit.imports.text import crash_of

REPORT_TYPE = "$report_type"


def _record(raw: bytes, number: int, last: bool) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise FormatError(f"line {number} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        if last and not raw.endswith(b"\n"):
            raise FormatError(
                f"is cut off: its last line ({number}) is not complete JSON (was the CI "
                "job stopped while pytest wrote it?)"
            ) from None
        raise FormatError(f"line {number} is not JSON ({error.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get(REPORT_TYPE), str):
        raise FormatError(
            f"line {number} is not a pytest report-log record (no {REPORT_TYPE}); "
            "a report-log has one of pytest's reports per line"
        )
    return data


def _lines(stream: Iterable[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, line, whether it is the last) of the non-blank lines."""
    previous: tuple[int, bytes] | None = None
    for number, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        if previous is not None:
            yield previous[0], previous[1], False
        previous = (number, raw)
    if previous is not None:
        yield previous[0], previous[1], True


def _text_crash(longrepr: str) -> dict[str, Any] | None:
    """A crash location a live run has but JSON loses: pytest serialises a missing
    fixture's report as plain text, which ``crash_of`` reads as the plugin reads the object."""
    crash = crash_of(longrepr, longrepr)
    if crash is None:
        return None
    return {"path": crash.path, "lineno": crash.lineno, "message": crash.message}


def _report_events(data: dict[str, Any], number: int, cap: int) -> list[Event]:
    kind = data[REPORT_TYPE]
    try:
        if kind == "TestReport":
            raw = report_event(TestReport._from_json(data), cap)
            if raw["outcome"] == "failed" and raw["crash"] is None and raw["longrepr"]:
                raw["crash"] = _text_crash(raw["longrepr"])
        else:
            found = collect_event(CollectReport._from_json(data), cap)
            if found is None:
                return []
            raw = found
        event = decode_event(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise FormatError(
            f"line {number}: a {kind} pytest cannot read back ({type(error).__name__}: {error})"
        ) from None
    return [event] if event is not None else []


def read_events(stream: Iterable[bytes], facts: FileFacts, cap: int) -> Iterator[list[Event]]:
    """The events of a report-log, one batch per line; :class:`FormatError` on a line that
    is not a report (or a last line cut off)."""
    facts.finished = False
    tests: set[str] = set()
    for number, raw, last in _lines(stream):
        data = _record(raw, number, last)
        assert data is not None
        kind = data[REPORT_TYPE]
        if kind == "SessionStart":
            facts.pytest_version = str(data.get("pytest_version", ""))
        elif kind == "SessionFinish":
            status = data.get("exitstatus")
            facts.exitstatus = int(status) if isinstance(status, int) else None
            facts.finished = True
        elif kind in ("TestReport", "CollectReport"):
            events = _report_events(data, number, cap)
            if kind == "TestReport":
                tests.add(str(data.get("nodeid")))
                start, stop = data.get("start"), data.get("stop")
                facts.saw_time(
                    float(start) if isinstance(start, int | float) else None,
                    float(stop) if isinstance(stop, int | float) else None,
                )
            if events:
                yield events
    facts.tests = len(tests)
