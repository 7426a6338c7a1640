"""A finished run as plain data: the ``cockpit run --json`` object. Pure."""

from __future__ import annotations

from typing import Any

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
                "message": error.message,
                "kind": error.kind,
                "source": error.source,
            }
            for error in state.collection_errors
        ],
        "startup_error": _startup_json(state),
        "collected": state.collected,
        "duration": round(state.duration, 6),
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


def summary_line(state: RunState) -> str:
    """pytest's closing line: ``2 failed, 10 passed, 1 error in 0.52s``."""
    totals = state.totals
    parts = [
        (totals.failed, "failed"),
        (totals.passed, "passed"),
        (totals.skipped, "skipped"),
        (totals.xfailed, "xfailed"),
        (totals.xpassed, "xpassed"),
        (totals.errors, "error" if totals.errors == 1 else "errors"),
    ]
    text = ", ".join(f"{count} {word}" for count, word in parts if count)
    if not text:
        text = "no tests ran"
    if len(state.warnings):
        count = len(state.warnings)
        text += f", {count} warning" + ("s" if count != 1 else "")
    return f"{text} in {state.duration:.2f}s"
