"""How a pytest report becomes the fields of a cockpit event: clipped text, the summary
category, the crash location, the worker, the line a collection failed at.

Kept apart from the plugin (which is about sending events) because ``cockpit import``
builds its events from a CI's reports with these very functions, so an imported run keeps
exactly what a live run would. Runs in the user's interpreter: standard library and pytest
only, Python 3.8 syntax.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional


def clip(text: Optional[str], cap: int) -> Optional[str]:
    """Keep the head and the tail of ``text`` within ``cap`` characters, valid for UTF-8."""
    if text is None:
        return None
    if len(text) > cap:
        half = cap // 2
        text = joined_cut(text[:half], text[-half:], len(text) - 2 * half)
    return sanitised(text)


def joined_cut(head: str, tail: str, cut: int) -> str:
    """The head and tail ``clip`` keeps, around the line saying how much went."""
    return "%s\n... [cockpit cut %d characters] ...\n%s" % (head, cut, tail)


def sanitised(text: str) -> str:
    """``text`` valid for UTF-8: lone surrogates (from undecodable bytes) are replaced."""
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


def crash_location(report: Any, cap: int) -> Optional[Dict[str, Any]]:
    longrepr = getattr(report, "longrepr", None)
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        path, lineno, message = crash.path, crash.lineno, crash.message
    elif isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        path, lineno, message = longrepr
    elif getattr(longrepr, "errorstring", None):  # a fixture lookup error has no reprcrash
        first = (str(getattr(longrepr, "errorstring", "")).strip().splitlines() or [""])[0]
        path = getattr(longrepr, "filename", "")
        firstlineno = getattr(longrepr, "firstlineno", None)
        lineno = firstlineno + 1 if isinstance(firstlineno, int) else None
        message = "FixtureLookupError: " + first.strip()
    else:
        return None
    return {"path": clip(str(path), cap), "lineno": lineno, "message": clip(str(message), cap)}


def worker_of(report: Any) -> Optional[str]:
    """The xdist worker (``gw0``...) that produced ``report``, None without xdist."""
    worker = getattr(report, "worker_id", None)
    if worker:
        return str(worker)
    gateway = getattr(getattr(report, "node", None), "gateway", None)
    return str(gateway.id) if gateway is not None else None


def collect_error_line(text: str, path: str) -> Optional[int]:
    """The line of the module ``path`` where collecting it failed, from pytest's report:
    the innermost traceback entry in that file (``path:3: in <module>``, the import that
    failed), or a syntax error's ``File "/abs/path", line 3``."""
    found = None
    for line in text.splitlines():
        number = ""
        if line.startswith(path + ":"):
            number = line[len(path) + 1 :].split(":", 1)[0]
        elif 'File "' in line and ", line " in line:
            quoted = line.split('File "', 1)[1].split('"', 1)[0]
            if quoted == path or quoted.endswith(os.sep + path):
                number = line.rsplit(", line ", 1)[1].split(",")[0]
        if number.strip().isdigit():
            found = int(number)
    return found


def module_of(nodeid: str) -> str:
    """The file part of a node id (``tests/test_a.py::TestX::test_y[1]`` -> ``tests/test_a.py``)."""
    return nodeid.split("::", 1)[0]


def report_event(report: Any, cap: int) -> Dict[str, Any]:
    """The ``test_report`` event of one phase report: what cockpit keeps of it, clipped.

    Also what ``cockpit import`` makes of a report-log line (a report pytest rebuilt from
    its JSON), so an imported run keeps exactly what a live run would.
    """
    failed = report.failed
    event = {
        "kind": "test_report",
        "nodeid": report.nodeid,
        "when": report.when,
        "outcome": report.outcome,
        "category": report_category(report),
        "duration": report.duration,
        "worker": worker_of(report),
        "crash": crash_location(report, cap) if (failed or report.skipped) else None,
        "longrepr": clip(report.longreprtext, cap) if failed else None,
        "wasxfail": getattr(report, "wasxfail", None),
    }  # type: Dict[str, Any]
    if failed or report.when == "call":
        event["stdout"] = clip(report.capstdout or None, cap)
        event["stderr"] = clip(report.capstderr or None, cap)
        event["log"] = clip(report.caplog or None, cap)
    return event


def collect_event(report: Any, cap: int) -> Optional[Dict[str, Any]]:
    """The event of a collection report that failed or skipped (None for one that passed)."""
    if report.failed:
        path = module_of(report.nodeid)
        return {
            "kind": "collect_error",
            "nodeid": report.nodeid,
            "file": path,
            "lineno": collect_error_line(str(report.longreprtext or ""), path),
            "message": clip(collect_error_message(str(report.longreprtext or "")), cap),
            "longrepr": clip(report.longreprtext, cap),
        }
    if report.skipped:
        location = crash_location(report, cap)
        return {
            "kind": "collect_skip",
            "nodeid": report.nodeid,
            "file": module_of(report.nodeid),
            "message": clip(location["message"] if location else "", cap),
        }
    return None


def collect_error_message(text: str) -> str:
    """One line saying why a module failed to collect (the last ``E`` line, else the last)."""
    lines = [line for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("E "):
            return line[1:].strip()
    return lines[-1].strip() if lines else "collection failed"
