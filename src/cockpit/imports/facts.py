"""What every importer reports besides the tests: the file's facts and its faults. Pure."""

from __future__ import annotations

from dataclasses import dataclass


class FormatError(Exception):
    """The file is not what it should be; the message says what, in a few words, and the
    command line puts the file's name and "nothing was imported" around it."""


@dataclass(slots=True)
class FileFacts:
    """Facts about one result file, filled in while it is read."""

    format: str
    """``junit-xml`` or ``report-log``."""
    hostname: str | None = None
    started_at: float | None = None
    """When the CI's pytest started (UTC epoch seconds), if the file says."""
    ended_at: float | None = None
    pytest_version: str = ""
    exitstatus: int | None = None
    """pytest's exit status, where the format records it (a report-log's SessionFinish)."""
    finished: bool = True
    """False for a report-log without its SessionFinish line (the CI job was killed)."""
    internal_error: bool = False
    tests: int = 0
    """Test cases (JUnit) or test reports' tests (report-log) the file held."""

    def saw_time(self, start: float | None, end: float | None) -> None:
        """Widen the file's time span to include ``start`` .. ``end``."""
        if start is not None and (self.started_at is None or start < self.started_at):
            self.started_at = start
        if end is not None and (self.ended_at is None or end > self.ended_at):
            self.ended_at = end
