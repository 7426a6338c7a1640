"""A finished run as plain data: the ``cockpit run --json`` object. Pure."""

from __future__ import annotations

from typing import Any, Protocol

from cockpit.engine.ending import RunResult
from cockpit.engine.state import ModuleTally, RunOutcome, RunState


def module_rows(state: RunState) -> list[ModuleTally]:
    return [state.modules[path] for path in sorted(state.modules)]


def run_to_json(
    state: RunState, exit_code: int, outcome: RunOutcome, error: str | None = None
) -> dict[str, Any]:
    """The documented JSON shape; paths are relative to the rootdir, as node ids are."""
    return {
        "exit_code": exit_code,
        "outcome": str(outcome),
        "totals": state.totals.as_dict(),
        "modules": [
            {"path": tally.path, **tally.totals.as_dict(), "duration": round(tally.duration, 6)}
            for tally in module_rows(state)
        ],
        "crashed_test": state.crashed_test,
        "collection_errors": [
            {
                "path": error.file,
                "line": error.lineno,
                "message": error.message,
                "kind": error.kind,
                "source": error.source,
            }
            for error in state.collection_errors
        ],
        "startup_error": _startup_json(state),
        "collected": state.collected,
        "deselected": state.deselected,
        "duration": round(state.duration, 6),
        "skipped_event_lines": state.skipped_lines,
        "error": error,
    }


def _startup_json(state: RunState) -> dict[str, Any] | None:
    error = state.startup_error
    if error is None:
        return None
    return {
        "kind": error.what,
        "conftest": error.conftest,
        "plugin": error.plugin,
        "exception": error.exception,
        "message": error.message,
        "traceback": error.longrepr,
    }


def result_to_json(result: RunResult) -> dict[str, Any]:
    """The run's JSON object with what is said of it beyond its counts (``notices``)."""
    payload = run_to_json(result.state, result.exit_code, result.outcome, result.error)
    payload["notices"] = [notice.as_json() for notice in result.notices]
    return payload


class Counted(Protocol):
    """Totals by pytest's summary categories (the live state's, or a recorded run's)."""

    @property
    def passed(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def errors(self) -> int: ...
    @property
    def skipped(self) -> int: ...
    @property
    def xfailed(self) -> int: ...
    @property
    def xpassed(self) -> int: ...


def counts_text(totals: Counted) -> str:
    """The counts of pytest's closing line, in its order: ``2 failed, 10 passed, 1 error``."""
    parts = [
        (totals.failed, "failed"),
        (totals.passed, "passed"),
        (totals.skipped, "skipped"),
        (totals.xfailed, "xfailed"),
        (totals.xpassed, "xpassed"),
        (totals.errors, "error" if totals.errors == 1 else "errors"),
    ]
    return ", ".join(f"{count} {word}" for count, word in parts if count)


def summary_line(state: RunState) -> str:
    """pytest's closing line: ``2 failed, 10 passed, 1 error in 0.52s``."""
    return f"{summary_counts(state)} in {state.duration:.2f}s"


def summary_counts(state: RunState) -> str:
    """The closing line's counts: ``2 failed, 10 passed, 1 error, 1 warning``."""
    text = counts_text(state.totals) or "no tests ran"
    if len(state.warnings):
        count = len(state.warnings)
        text += f", {count} warning" + ("s" if count != 1 else "")
    return text
