"""What a fix's evidence shows: the tests that flipped to pass, per module.

The session log stamps a fix with the run before it and, when a later run covers its
failing tests, with that evidence run (``SessionLog.attach_fix_evidence``). The
comparison of the two is :func:`cockpit.report.diff.diff_runs`, so only tests recorded
in both runs count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.report.diff import diff_runs
from cockpit.store import log_queries

if TYPE_CHECKING:
    from cockpit.store.models import Fix
    from cockpit.store.session_log import SessionLog


def fix_evidence(log: SessionLog, fix: Fix) -> dict[str, list[str]] | None:
    """Tests that flipped to pass between the run before ``fix`` and its evidence run,
    per module; None while no run has covered the fix yet."""
    if fix.before_run_id is None or fix.evidence_run_id is None:
        return None
    before, after = log.run(fix.before_run_id), log.run(fix.evidence_run_id)
    diff = diff_runs(
        log.outcomes(before.id),
        log.outcomes(after.id),
        before_whole_suite=before.whole_suite,
        after_whole_suite=after.whole_suite,
    )
    return diff.by_module().get("fixed", {})


def evidence_of(
    query: log_queries.Query, before_run_id: int | None, evidence_run_id: int | None
) -> dict[str, list[str]] | None:
    """:func:`fix_evidence` from plain queries (``cockpit fix list`` without SQLAlchemy)."""
    if before_run_id is None or evidence_run_id is None:
        return None
    diff = diff_runs(
        log_queries.outcomes(query, before_run_id),
        log_queries.outcomes(query, evidence_run_id),
        before_whole_suite=log_queries.whole_suite(query, before_run_id),
        after_whole_suite=log_queries.whole_suite(query, evidence_run_id),
    )
    return diff.by_module().get("fixed", {})
