"""The shapes of what the session log stores, as frozen dataclasses; no SQLAlchemy here.

A run's rows are built from the live :class:`~cockpit.engine.state.RunState` while it
streams (the recorder) and read back for the screen (the app's detail pane shows a
:class:`FailureRow` whether its test failed in the run going on or in one recorded last
week), so both sides share these types and this module stays light to import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from cockpit.engine.state import TestRecord
from cockpit.store.snapshots import FileChange

__all__ = [
    "CollectionErrorRecord",
    "FailureRow",
    "FileChange",
    "ModuleDigest",
    "ResultRow",
    "RunTotals",
    "failure_row",
]


@dataclass(frozen=True, slots=True)
class ResultRow:
    nodeid: str
    module: str
    outcome: str
    setup: str = ""
    call: str = ""
    teardown: str = ""
    duration: float = 0.0
    signature: str | None = None
    root_key: str | None = None


@dataclass(frozen=True, slots=True)
class FailureRow:
    """One failing (or skipped) test's story: where it failed, the traceback, its output."""

    nodeid: str
    phase: str
    crash_path: str | None
    crash_line: int | None
    message: str
    longrepr: str
    stdout: str | None = None
    stderr: str | None = None
    log: str | None = None

    @property
    def location(self) -> str | None:
        if not self.crash_path:
            return None
        return f"{self.crash_path}:{self.crash_line}" if self.crash_line else self.crash_path


def failure_row(record: TestRecord) -> FailureRow | None:
    """The failure text the live state holds for ``record`` (None if it has none)."""
    report = record.failure
    if report is None:
        return None
    crash = report.crash
    return FailureRow(
        nodeid=record.nodeid,
        phase=report.when,
        crash_path=crash.path if crash else None,
        crash_line=crash.lineno if crash else None,
        message=crash.message if crash else "",
        longrepr=report.longrepr or "",
        stdout=report.stdout,
        stderr=report.stderr,
        log=report.log,
    )


@dataclass(frozen=True, slots=True)
class ModuleDigest:
    """Which tests a run recorded in one module: the digest of their node ids, and how many."""

    digest: str
    tests: int
    outcomes: Mapping[str, int] | None = None
    """How many of the tests ended with each outcome other than passed."""


@dataclass(frozen=True, slots=True)
class RunTotals:
    collected: int
    passed: int
    failed: int
    errors: int
    skipped: int
    xfailed: int
    xpassed: int


class CollectionErrorRecord(NamedTuple):
    """A collection error as the log keeps it (``kind``: module, conftest or plugin)."""

    path: str
    message: str
    longrepr: str
    kind: str = "module"
    source: str | None = None
    """The conftest's path or the plugin's name."""
    lineno: int | None = None
    """The line of the module where collecting it failed, when pytest's report says."""
