"""The session log on SQLite and on a real PostgreSQL: sessions, runs, fixes, known issues."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from cockpit.session.fixes import fix_evidence
from cockpit.store.database import NotFound, StoreError
from cockpit.store.rows import CollectionErrorRecord, FailureRow, ResultRow, RunTotals
from cockpit.store.session_log import SessionLog
from tests.conftest import FakeClock


def record_run(
    log: SessionLog,
    outcomes: dict[str, str],
    *,
    whole_suite: bool = True,
    signatures: dict[str, str] | None = None,
    collection_error: bool = True,
) -> int:
    run_id = log.begin_run(
        ["-q"], whole_suite=whole_suite, selection_reason="test", interpreter="python"
    )
    rows = [
        ResultRow(
            nodeid=nodeid,
            module=nodeid.split("::")[0],
            outcome=outcome,
            call=outcome,
            duration=0.25,
            signature=(signatures or {}).get(nodeid, "AssertionError: boom")
            if outcome in ("failed", "error")
            else None,
        )
        for nodeid, outcome in outcomes.items()
    ]
    failures = [
        FailureRow(r.nodeid, "call", r.module, 3, "AssertionError: boom", "E  boom")
        for r in rows
        if r.outcome == "failed"
    ]
    errors = (
        [CollectionErrorRecord("tests/test_c.py", "ImportError: x", "E x")]
        if collection_error
        else []
    )
    log.write_results(run_id, rows, failures, errors)
    counts = {o: list(outcomes.values()).count(o) for o in set(outcomes.values())}
    log.finish_run(
        run_id,
        exit_code=1 if counts.get("failed") else 0,
        outcome="failed" if counts.get("failed") else "passed",
        totals=RunTotals(
            collected=len(outcomes),
            passed=counts.get("passed", 0),
            failed=counts.get("failed", 0),
            errors=counts.get("error", 0),
            skipped=0,
            xfailed=0,
            xpassed=0,
        ),
        crashed_test=None,
    )
    return run_id


def test_runs_outside_a_session_go_to_the_session_of_the_day(
    log: SessionLog, clock: FakeClock
) -> None:
    first = log.active_session()
    assert first.automatic_day is not None
    assert log.active_session().id == first.id
    clock.now += 86_400
    assert log.active_session().id != first.id


def test_start_and_end_a_session(log: SessionLog) -> None:
    started = log.start_session("Fix the mappers", "abc123")
    assert log.active_session().id == started.id
    with pytest.raises(StoreError, match="still open"):
        log.start_session("Another", None)
    run_id = record_run(log, {"a.py::t": "passed"})
    assert log.run(run_id).session_id == started.id
    ended = log.end_session("def456")
    assert ended.ended_at is not None and ended.git_end == "def456"
    with pytest.raises(StoreError, match="no session is open"):
        log.end_session(None)
    sessions = dict((s.id, n) for s, n in log.sessions())
    assert sessions[started.id] == 1


def test_results_failures_and_history(log: SessionLog) -> None:
    first = record_run(log, {"a.py::t1": "failed", "a.py::t2": "passed", "b.py::t3": "passed"})
    second = record_run(log, {"a.py::t1": "passed", "a.py::t2": "passed"}, whole_suite=False)
    outcomes = log.outcomes(first)
    assert outcomes["a.py::t1"].outcome == "failed"
    assert outcomes["a.py::t1"].signature == "AssertionError: boom"
    assert log.failures(first)["a.py::t1"].crash_line == 3
    assert log.collection_errors(first)[0].path == "tests/test_c.py"
    history = log.history("a.py::t1")
    assert [(run.id, result.outcome) for run, result in history] == [
        (first, "failed"),
        (second, "passed"),
    ]
    run = log.run(first)
    assert (run.passed, run.failed, run.collected, run.outcome) == (2, 1, 3, "failed")
    assert [r.id for r in log.runs()] == [second, first]
    with pytest.raises(NotFound, match="no run 999"):
        log.run(999)


def test_fix_evidence_is_the_first_later_run_covering_its_tests(
    log: SessionLog,
) -> None:
    before = record_run(
        log,
        {"a.py::t1": "failed", "b.py::t2": "failed", "c.py::t3": "passed"},
        collection_error=False,
    )
    fix = log.add_fix("Import the model", files=["app/models.py"], risk="low")
    assert fix.before_run_id == before
    unrelated = record_run(log, {"c.py::t3": "passed"}, whole_suite=False, collection_error=False)
    assert log.fixes()[0].evidence_run_id is None, unrelated
    covering = record_run(
        log,
        {"a.py::t1": "passed", "b.py::t2": "failed"},
        whole_suite=False,
        collection_error=False,
    )
    stored = log.fixes()[0]
    assert stored.evidence_run_id == covering
    evidence = fix_evidence(log, stored)
    assert evidence is not None and evidence.flipped == {"a.py": ["a.py::t1"]}


def test_known_issues_and_notes(log: SessionLog) -> None:
    issue = log.add_known_issue(
        "RBAC mocks",
        ["a.py::t1"],
        workaround="-k 'not t1'",
        deselected=["a.py::t1"],
        priority="high",
        effort="2h",
    )
    assert log.known_issues()[0].deselected == ["a.py::t1"]
    assert issue.status == "open"
    note = log.add_note("greenlet errors look unrelated")
    assert [n.text for n in log.notes(note.session_id)] == ["greenlet errors look unrelated"]


def test_a_run_whose_recorder_died_becomes_interrupted_with_what_was_written(
    log: SessionLog,
) -> None:
    run_id = log.begin_run(["-q"], whole_suite=True, selection_reason="", interpreter="py")
    log.write_results(
        run_id,
        [ResultRow("a.py::t1", "a.py", "passed"), ResultRow("a.py::t2", "a.py", "failed")],
    )
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    with log.engine.begin() as connection:
        connection.execute(
            text("UPDATE runs SET recorder_pid = :pid WHERE id = :id"),
            {"pid": int(dead.stdout), "id": run_id},
        )
    assert log.mark_interrupted_runs() == [run_id]
    run = log.run(run_id)
    assert (run.outcome, run.passed, run.failed, run.exit_code) == ("interrupted", 1, 1, 2)
    assert log.mark_interrupted_runs() == []


def test_a_live_recorder_is_left_alone(log: SessionLog) -> None:
    run_id = log.begin_run(["-q"], whole_suite=True, selection_reason="", interpreter="py")
    assert log.mark_interrupted_runs() == []  # this process is alive and recording
    assert log.run(run_id).outcome == "running"
    assert os.getpid() == log.run(run_id).recorder_pid
