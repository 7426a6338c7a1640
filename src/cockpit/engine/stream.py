"""cockpit's own lines out of the bytes of the event file. Pure: fed chunks, no I/O.

The event file is an inherited descriptor, so the tests can write into it too (a test
that forges events, dumps binary data into every descriptor it finds, or a forked copy
of pytest). The plugin starts each of its lines with a token only this run knows
(``COCKPIT_EVENT_TOKEN``, taken out of the environment before any test runs): a line
that does not carry it is not cockpit's, whatever it holds, and is skipped and counted.

Nothing a test writes can make a line of cockpit's unreadable or grow memory without
end: a test's bytes written without a newline just before one of cockpit's lines are cut
off at the token, and bytes without the token are dropped as they arrive (only the last
few are kept, in case a token starts there), however long the "line" they make.
"""

from __future__ import annotations

import os

TOKEN_BYTES = 8
"""Random bytes in a run's token (16 hex characters at the start of each line)."""
MIN_LINE_LIMIT = 32 * 1024 * 1024


def new_token() -> str:
    return os.urandom(TOKEN_BYTES).hex()


def line_limit(capture_cap: int) -> int:
    """The longest line the plugin can write with this cap: a report holds up to six
    clipped texts, each character at most 12 bytes once JSON-escaped (a surrogate pair)."""
    return max(MIN_LINE_LIMIT, 6 * 12 * capture_cap + (1 << 20))


class EventLines:
    """Splits the file's bytes into the JSON payloads of cockpit's lines (token removed).

    ``skipped`` counts the lines (or pieces of lines) that were not cockpit's.
    """

    def __init__(self, token: str, limit: int = MIN_LINE_LIMIT) -> None:
        self.token = token.encode("ascii")
        self.limit = limit
        self.skipped = 0
        self._partial = b""
        self._junk = False
        """The partial line began with bytes that were not cockpit's (already dropped)."""

    def feed(self, chunk: bytes) -> list[bytes]:
        """The payloads of the lines ``chunk`` completes, in order."""
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        payloads = []
        for line in lines:
            payload = self._payload(line)
            if payload is not None:
                payloads.append(payload)
        self._bound_partial()
        return payloads

    def finish(self) -> None:
        """The file ended: what is left without a newline was never a whole line."""
        if self._partial or self._junk:
            self.skipped += 1
        self._partial, self._junk = b"", False

    def _payload(self, line: bytes) -> bytes | None:
        junk, self._junk = self._junk, False
        token = self.token
        if line.startswith(token):
            self.skipped += junk
            return line[len(token) :]
        if line or junk:
            self.skipped += 1
        start = line.find(token)
        return line[start + len(token) :] if start > 0 else None

    def _bound_partial(self) -> None:
        """Keep a partial line only from its first token on, and never beyond the limit."""
        partial, token = self._partial, self.token
        if not partial.startswith(token):
            start = partial.find(token)
            if start > 0:
                partial, self._junk = partial[start:], True
            elif len(partial) >= len(token):  # none in it: drop it, but a token may begin
                self._partial, self._junk = partial[1 - len(token) :], True
                return
        if len(partial) > self.limit:  # longer than cockpit ever writes: not its line
            partial, self._junk = b"", True
        self._partial = partial


SLICE_LINES = 512
SLICE_BYTES = 1 << 18
"""Event lines decoded in one go at most: the loop gets a turn between slices."""


def slices(lines: list[bytes]) -> list[tuple[int, int]]:
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
