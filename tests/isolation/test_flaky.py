"""Flaky history, the source fingerprint, run order and stored verdicts (no pytest child)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from cockpit.engine.interpreter import Interpreter
from cockpit.isolation.flaky import HistoryPoint, flaky_flips
from cockpit.isolation.log import (
    failing_tests,
    flaky_tests,
    history_points,
    isolations,
    record_isolations,
    run_order,
)
from cockpit.isolation.rerunner import isolate_tests
from cockpit.isolation.verdicts import IsolationVerdict, Verdict
from cockpit.store.rows import ResultRow, RunTotals
from cockpit.store.session_log import SessionLog
from cockpit.store.sources import source_digest, source_files

NO_TOTALS = RunTotals(0, 0, 0, 0, 0, 0, 0)


def points(*rows: tuple[str, str | None]) -> list[HistoryPoint]:
    return [
        HistoryPoint(run_id, outcome, digest)
        for run_id, (outcome, digest) in enumerate(rows, start=1)
    ]


def test_a_flip_with_the_same_files_is_flaky() -> None:
    assert flaky_flips(points(("passed", "d1"), ("failed", "d1"), ("passed", "d1"))) == {2, 3}


def test_a_flip_after_a_file_change_is_not_flaky() -> None:
    assert flaky_flips(points(("passed", "d1"), ("failed", "d2"), ("passed", "d2"))) == {3}


def test_unknown_digests_skips_and_steady_outcomes_are_never_flaky() -> None:
    assert flaky_flips(points(("passed", None), ("failed", None))) == frozenset()
    assert flaky_flips(points(("failed", "d"), ("error", "d"), ("crashed", "d"))) == frozenset()
    # a skip in between says nothing: the flip is judged against the last pass/fail
    assert flaky_flips(points(("passed", "d"), ("skipped", "d"), ("failed", "d"))) == {3}


def test_another_interpreter_is_a_change() -> None:
    history = [
        HistoryPoint(1, "passed", "d", "/venv-a/bin/python"),
        HistoryPoint(2, "failed", "d", "/venv-b/bin/python"),
    ]
    assert flaky_flips(history) == frozenset()


# -- the fingerprint ---------------------------------------------------------------------
def make_project(root: Path) -> Path:
    for path in ("app/__init__.py", "app/models.py", "tests/test_a.py", "tests/conftest.py"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x = 1\n")
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "README.md").write_text("docs\n")
    for ignored in (".venv/lib/site.py", ".git/hooks/x.py", "build/lib/app.py", ".cockpit/x.py"):
        (root / ignored).parent.mkdir(parents=True, exist_ok=True)
        (root / ignored).write_text("y = 2\n")
    return root


def test_the_fingerprint_covers_sources_and_config_only(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert [path for path, _, _ in source_files(project)] == [
        "app/__init__.py",
        "app/models.py",
        "pytest.ini",
        "tests/conftest.py",
        "tests/test_a.py",
    ]


def test_the_fingerprint_changes_with_a_source_edit_only(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    first = source_digest(project)
    assert source_digest(project) == first
    (project / "README.md").write_text("more docs\n")
    (project / ".venv/lib/site.py").write_text("z = 3\n")
    assert source_digest(project) == first
    models = project / "app/models.py"
    stat = models.stat()
    os.utime(models, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    touched = source_digest(project)
    assert touched != first
    (project / "app/new.py").write_text("")
    assert source_digest(project) not in (first, touched)


# -- the store ---------------------------------------------------------------------------
def record(
    log: SessionLog, outcomes: dict[str, str], digest: str | None, interpreter: str = "py"
) -> int:
    run_id = log.begin_run(
        [], whole_suite=True, selection_reason="", interpreter=interpreter, source_digest=digest
    )
    log.write_results(
        run_id,
        [ResultRow(nodeid, nodeid.split("::")[0], outcome) for nodeid, outcome in outcomes.items()],
    )
    log.finish_run(run_id, exit_code=1, outcome="failed", totals=NO_TOTALS, crashed_test=None)
    return run_id


def test_begin_run_stores_the_source_digest(log: SessionLog) -> None:
    run_id = log.begin_run(
        [], whole_suite=True, selection_reason="", interpreter="py", source_digest="ab" * 32
    )
    assert log.run(run_id).source_digest == "ab" * 32


def test_flaky_tests_flags_flips_with_unchanged_files(log: SessionLog) -> None:
    record(log, {"t.py::steady": "failed", "t.py::flip": "passed", "t.py::edit": "passed"}, "d1")
    record(log, {"t.py::steady": "failed", "t.py::flip": "failed"}, "d1")
    record(log, {"t.py::edit": "failed"}, "d2")
    assert flaky_tests(log) == {"t.py::flip"}
    session = log.active_session()
    assert flaky_tests(log, session.id) == {"t.py::flip"}
    assert flaky_tests(log, session.id + 1) == set()
    flags = flaky_flips(history_points(log.history("t.py::flip")))
    assert len(flags) == 1


def test_run_order_is_the_order_results_were_written(log: SessionLog) -> None:
    order = ["z.py::last_name_first", "a.py::second", "m.py::third", "b.py::fourth"]
    run_id = log.begin_run([], whole_suite=True, selection_reason="", interpreter="py")
    for nodeid in order:  # one batch per test, as a slow run is recorded
        log.write_results(run_id, [ResultRow(nodeid, nodeid.split("::")[0], "failed")])
    log.write_results(run_id, [ResultRow("c.py::fifth", "c.py", "passed")])
    assert run_order(log, run_id) == [*order, "c.py::fifth"]
    assert failing_tests(log, run_id) == order


def test_verdicts_are_recorded_against_their_run(log: SessionLog) -> None:
    run_id = record(log, {"t.py::a": "failed", "t.py::b": "failed"}, None)
    verdicts = [
        IsolationVerdict("t.py::a", Verdict.PASSES_ALONE, ("passed", "passed"), "t.py::p"),
        IsolationVerdict("t.py::b", Verdict.FLAKY, ("failed", "passed")),
    ]
    ids = record_isolations(log, run_id, verdicts)
    assert len(ids) == 2
    stored = isolations(log, session_id=log.active_session().id)
    assert [
        (row.nodeid, row.verdict, row.outcomes, row.polluter, row.run_id) for row in stored
    ] == [
        ("t.py::a", "passes-alone", ["passed", "passed"], "t.py::p", run_id),
        ("t.py::b", "flaky", ["failed", "passed"], None, run_id),
    ]
    assert [row.verdict for row in isolations(log, nodeid="t.py::b")] == ["flaky"]


def test_isolate_tests_refuses_zero_repeats(tmp_path: Path) -> None:
    interpreter = Interpreter(Path(sys.executable), "test")
    with pytest.raises(ValueError, match="repeats"):
        asyncio.run(isolate_tests(tmp_path, interpreter, ["t.py::a"], repeats=0))
