"""Figures in words for the summary: times in UTC, exact spans, rates rounded down, plurals,
run labels that say what a run selected. Pure."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from cockpit.report.markup import code, text
from cockpit.report.model import Counts, RunInfo

if TYPE_CHECKING:
    from cockpit.store.coverage import Evidence


def when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


def span(seconds: float) -> str:
    """A measured duration, exact to the tenth of a second: ``1 h 02 min 03.4 s``."""
    tenths = round(seconds * 10)
    hours, rest = divmod(tenths, 36_000)
    minutes, rest = divmod(rest, 600)
    secs = f"{rest // 10}.{rest % 10} s"
    if hours:
        return f"{hours} h {minutes:02d} min {rest // 10:02d}.{rest % 10} s"
    if minutes:
        return f"{minutes} min {rest // 10:02d}.{rest % 10} s"
    return secs


def rate(part: int, whole: int) -> str:
    """A percentage rounded down, so that 100.0 % means every single one."""
    if not whole:
        return "-"
    tenths = part * 1000 // whole
    return f"{tenths // 10}.{tenths % 10} %"


def run_label(run: RunInfo) -> str:
    return f"run {run.id} ({text(run.selection)})"


def signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def passed_of(counts: Counts) -> str:
    return f"{counts.passed}/{counts.tests}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


LISTED = 20
"""Node ids listed inline at most; the JSON export lists them all."""


def listing(nodeids: tuple[str, ...]) -> str:
    shown = ", ".join(code(nodeid) for nodeid in nodeids[:LISTED])
    hidden = len(nodeids) - LISTED
    return shown + (f" and {hidden} more (the JSON export lists them all)" if hidden > 0 else "")


def describe_evidence(flipped: int, errors_resolved: int, new_passing: int) -> str:
    """``33 tests flipped to pass, 1 collection error resolved, 4 new tests passing``: each
    kind only when there is one, ``0 tests flipped to pass`` when there is none."""
    parts = []
    if flipped:
        parts.append(f"{flipped} test{'s' if flipped != 1 else ''} flipped to pass")
    if errors_resolved:
        plural = "s" if errors_resolved != 1 else ""
        parts.append(f"{errors_resolved} collection error{plural} resolved")
    if new_passing:
        parts.append(f"{new_passing} new test{'s' if new_passing != 1 else ''} passing")
    return ", ".join(parts) or "0 tests flipped to pass"


def evidence_words(evidence: Evidence) -> str:
    """A fix's evidence in words, each kind apart (see :func:`describe_evidence`)."""
    return describe_evidence(
        evidence.flipped_count, len(evidence.errors_resolved), evidence.new_passing_count
    )
