"""How a run ended, in cockpit's terms: the result every front shows, and its sentences.

Pure: the runner fills a :class:`RunResult` from what it saw; the fronts print it.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cockpit.engine.launch import StartInfo
from cockpit.engine.leftovers import left_running_notice
from cockpit.engine.state import RunOutcome, RunState


@dataclass(frozen=True, slots=True)
class RunningTest:
    """A test that was still running when the run was cancelled, and for how long."""

    nodeid: str
    seconds: float | None

    def __str__(self) -> str:
        took = f" for {self.seconds:.1f}s" if self.seconds is not None else ""
        return f"{self.nodeid} was running{took}"


@dataclass(slots=True)
class RunResult:
    """How a run ended, in cockpit's terms."""

    exit_code: int
    outcome: RunOutcome
    state: RunState
    error: str | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    skipped_lines: int = 0
    command: tuple[str, ...] = field(default=())
    left_running: tuple[int, ...] = ()
    """Processes a test left running after pytest exited (killed), by pid."""
    running_tests: tuple[RunningTest, ...] = ()
    """The tests a cancel interrupted."""
    start: StartInfo | None = None
    """Warm (forked from the warm server) or cold, and why."""

    @property
    def notices(self) -> list[RunNotice]:
        """What the fronts say (and the session log keeps) of the run beyond its counts."""
        found = []
        if self.running_tests:
            tests = [{"nodeid": t.nodeid, "seconds": t.seconds} for t in self.running_tests]
            message = "cancelled while " + "; ".join(map(str, self.running_tests))
            found.append(RunNotice(INTERRUPTED_TESTS, message, {"tests": tests}))
        if self.left_running:
            message = left_running_notice(self.left_running)
            found.append(RunNotice(LEFT_RUNNING, message, {"pids": list(self.left_running)}))
        if self.skipped_lines:
            message = skipped_lines_notice(self.skipped_lines)
            found.append(RunNotice(SKIPPED_LINES, message, {"count": self.skipped_lines}))
        return found


INTERRUPTED_TESTS = "interrupted-tests"
LEFT_RUNNING = "left-running"
SKIPPED_LINES = "skipped-lines"


class RunNotice(NamedTuple):
    """One thing to say of a run beyond its counts: its kind, the sentence, the data."""

    kind: str
    message: str
    detail: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, **self.detail}


def skipped_lines_notice(count: int) -> str:
    lines = "line" if count == 1 else "lines"
    return (
        f"skipped {count} {lines} of the event stream that were not cockpit's "
        "(a test wrote into an inherited descriptor)"
    )


# argparse names the program as pytest was started: "pytest: error:" from pytest 9's own
# parser, "__main__.py: error:" from pytest 8 under ``python -m pytest``.
_ERROR_LINE = re.compile(r"^(?:ERROR: |[\w.\-]+: error: |E\s+)(.*\S)\s*$")


def pytest_error_line(stderr: str) -> str | None:
    """The line of pytest's stderr that says what was wrong, without the usage noise."""
    found = None
    for line in stderr.splitlines():
        match = _ERROR_LINE.match(line)
        if match and not match.group(1).startswith("usage:"):
            found = match.group(1)
    return found


def last_line(text: str) -> str | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else None


def crash_message(returncode: int, crashed_test: str | None) -> str:
    if returncode < 0:
        try:
            how = f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            how = f"was killed by signal {-returncode}"
    else:
        how = f"exited with status {returncode} before the session finished"
    where = f" while running {crashed_test}" if crashed_test else ""
    return f"the pytest process {how}{where}"
