"""The session summary as JSON: the same content as the Markdown, as data. Pure.

Records become objects with their fields in declaration order; counts also carry their
``tests`` and ``failing`` sums. Text is kept exactly as recorded (JSON escapes it), and the
output is deterministic: the same summary gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from cockpit.report.model import Counts, RunInfo, SessionSummary

FORMAT_VERSION = 1


def _data(value: Any) -> Any:
    if isinstance(value, Counts):
        return {**value._asdict(), "tests": value.tests, "failing": value.failing}
    if isinstance(value, RunInfo):
        return {**{k: _data(v) for k, v in value._asdict().items()}, "duration": value.duration}
    if hasattr(value, "_asdict"):
        return {key: _data(item) for key, item in value._asdict().items()}
    if isinstance(value, tuple | list):
        return [_data(item) for item in value]
    return value


def summary_data(summary: SessionSummary) -> dict[str, Any]:
    data: dict[str, Any] = {"format": FORMAT_VERSION, **_data(summary)}
    data["open_known_issues"] = len(summary.open_known_issues)
    return data


def render_json(summary: SessionSummary) -> str:
    return json.dumps(summary_data(summary), indent=2, ensure_ascii=False) + "\n"
