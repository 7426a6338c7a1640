"""Failure text out of a CI file, kept as a live run keeps it. Pure.

A live run clips every message, traceback and captured output with the plugin's ``clip``
(head and tail within the cap, valid UTF-8). A JUnit file can hold a 200 MB ``system-out``
in one element, so its text is clipped while it streams in (:class:`BoundedText`, never more
than one and a half caps in memory) to exactly what ``clip`` would make of the whole.
pytest writes characters XML cannot hold as ``#x1B`` (``bin_xml_escape``); they are read
back, so an imported error signature equals the live one.
"""

from __future__ import annotations

import re

from cockpit.child.cockpit_event_fields import clip, joined_cut, sanitised
from cockpit.engine.events import CrashLocation

# pytest's bin_xml_escape writes "#x%02X" for code points up to 0xFF and "#x%04X" above;
# only code points outside its allowed set are ever escaped.
_ESCAPE = re.compile(r"#x([0-9A-F]{2,6})")
_ALLOWED = re.compile("[\u0009\u000a\u000d\u0020-\u007e\u0080-\ud7ff\ue000-\ufffd]")


def _escaped_char(digits: str) -> str | None:
    """The character ``#x<digits>`` stands for, if pytest would have escaped it that way."""
    value = int(digits, 16)
    if (len(digits) == 2) != (value <= 0xFF) or value > 0x10FFFF:
        return None
    char = chr(value)
    return None if _ALLOWED.match(char) else char


def unescape(text: str) -> str:
    """Undo pytest's visual escaping of characters XML cannot hold (``#x1B`` is ESC)."""
    if "#x" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        digits = match.group(1)
        for length in range(len(digits), 1, -1):  # "#x1F4A5" is U+1F4A5, not U+1F4A + "5"
            char = _escaped_char(digits[:length])
            if char is not None:
                return char + digits[length:]
        return match.group(0)

    return _ESCAPE.sub(replace, text)


class BoundedText:
    """Character data arriving in chunks, kept as ``clip(whole, cap)`` would keep it."""

    __slots__ = ("_head", "_head_length", "_tail", "cap", "total")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.total = 0
        self._head: list[str] = []
        self._head_length = 0
        self._tail = ""

    def append(self, data: str) -> None:
        self.total += len(data)
        room = self.cap - self._head_length
        if room > 0:
            self._head.append(data[:room])
            self._head_length += min(room, len(data))
            data = data[room:]
        if data:
            self._tail += data
            keep = self.cap // 2
            if len(self._tail) > 2 * keep + 4096:  # trim now and then, not on every chunk
                self._tail = self._tail[-keep:]

    def value(self) -> str:
        head = "".join(self._head)
        if self.total <= self.cap:
            return clip(head, self.cap) or ""
        half = self.cap // 2
        return sanitised(
            joined_cut(head[:half], (head + self._tail)[-half:], self.total - 2 * half)
        )


def _section_header(name: str) -> str:
    return f" Captured {name} ".center(80, "-") + "\n"


_SECTIONS = {_section_header(name): key for name, key in (("Log", "log"), ("Out", "stdout"))}
_SECTIONS[_section_header("Err")] = "stderr"
_HOLD = 82
"""Characters held back while streaming: a header cut between two chunks, and its newline."""


class SectionedText:
    """``system-out`` / ``system-err``: pytest writes each captured stream after a header
    line (``---- Captured Out ----``), a newline after each; split them while streaming."""

    def __init__(self, cap: int, default: str) -> None:
        self.cap = cap
        self.current = default
        self.headed = False
        self.sections: dict[str, BoundedText] = {}
        self._pending = ""

    def _emit(self, text: str) -> None:
        if text:
            section = self.sections.get(self.current)
            if section is None:
                section = self.sections[self.current] = BoundedText(self.cap)
            section.append(text)

    def append(self, data: str) -> None:
        self._pending += data
        while True:
            found = [(self._pending.find(h), h) for h in _SECTIONS if h in self._pending]
            if not found:
                break
            index, header = min(found)
            before = self._pending[:index]
            self._emit(before[:-1] if before.endswith("\n") and self.headed else before)
            self.current, self.headed = _SECTIONS[header], True
            self._pending = self._pending[index + len(header) :]
        if len(self._pending) > _HOLD:
            self._emit(self._pending[:-_HOLD])
            self._pending = self._pending[-_HOLD:]

    def values(self) -> dict[str, str]:
        """Each stream's text (None-worthy empty ones left out), the final newline pytest
        adds after each stream taken off."""
        rest = self._pending
        self._emit(rest[:-1] if rest.endswith("\n") and self.headed else rest)
        self._pending = ""
        found = {key: text.value() for key, text in self.sections.items()}
        return {key: unescape(value) for key, value in found.items() if value}


# The last "path:line: ..." line of a long or short traceback, or the last native frame.
_PYTEST_LOCATION = re.compile(r"^([^\s:][^:\n]*):(\d+): ", re.MULTILINE)
_NATIVE_LOCATION = re.compile(r'File "([^"]+)", line (\d+)')
_FIXTURE_FILE = re.compile(r"\A\s*file .+, line \d+\n")
_LAST_LOCATION = re.compile(r"^(.+):(\d+)\s*\Z", re.MULTILINE)


def crash_of(message: str, longrepr: str) -> CrashLocation | None:
    """Where a failure happened, from what JUnit keeps: pytest's crash message, and the
    traceback text whose last location line is the crash's.

    pytest writes the whole traceback as the message when the failure has no crash entry
    (a strict XPASS, a missing fixture): then, as in a live run, a missing fixture is named
    ``FixtureLookupError: <its first line>`` and anything else has no crash location.
    """
    if message and message != longrepr:
        pytest_lines = list(_PYTEST_LOCATION.finditer(longrepr))
        native = list(_NATIVE_LOCATION.finditer(longrepr))
        last = max(pytest_lines[-1:] + native[-1:], key=lambda match: match.start(), default=None)
        if last is None:
            return CrashLocation(path="", lineno=None, message=message)
        return CrashLocation(path=last.group(1), lineno=int(last.group(2)), message=message)
    where = _LAST_LOCATION.search(longrepr) if _FIXTURE_FILE.match(longrepr) else None
    if where is None:
        return None
    first = next((line[1:].strip() for line in longrepr.splitlines() if line.startswith("E ")), "")
    return CrashLocation(
        path=where.group(1), lineno=int(where.group(2)), message=f"FixtureLookupError: {first}"
    )


class CheckoutPaths:
    """Absolute paths into the CI's checkout, rewritten into this one.

    A traceback names project files relative to where pytest ran, but absolutely in some
    places (native tracebacks, syntax errors, a CI that ran pytest from elsewhere):
    ``/home/runner/work/app/app/tests/test_a.py``. The CI's checkout is learnt from the
    first such path ending in a test's own file, and rewritten to this project's folder, so
    root causes find their project frames (and the app opens the right file) as for a
    local run.
    """

    def __init__(self, local_root: str) -> None:
        self.local = local_root.rstrip("/")
        self.ci: str | None = None

    def learn(self, module: str, text: str) -> None:
        if self.ci is not None or not module or "/" + module not in text:
            return
        match = re.search(r"(/[^\s\"'<>:]*?)/" + re.escape(module) + r"\b", text)
        if match is not None and match.group(1) != self.local:
            self.ci = match.group(1)

    def rewrite(self, text: str) -> str:
        return text.replace(self.ci + "/", self.local + "/") if self.ci else text
