"""Placing a fix among runs recorded in a real session log (SQLite and PostgreSQL): with
snapshots the change decides; runs recorded before snapshots keep the earlier rule."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cockpit.session.fixes import fix_evidence, fix_prefill, place_fix
from cockpit.store.rows import ResultRow, RunTotals
from cockpit.store.session_log import SessionLog
from cockpit.store.snapshots import FileState, ProjectFiles

FAILING = "sqlalchemy.exc.InvalidRequestError: expression 'Tag' failed to locate a name"


def record(log: SessionLog, tests: dict[str, str], files: dict[str, bytes] | None) -> int:
    """A finished run of ``tests``, with the files it saw when ``files`` is given."""
    run_id = log.begin_run([], whole_suite=True, selection_reason="x", interpreter="python")
    if files is not None:
        states = {
            path: FileState(path, len(data), 1, hashlib.sha256(data).hexdigest())
            for path, data in files.items()
        }
        read = {state.digest: files[path] for path, state in states.items()}
        log.record_snapshot(run_id, ProjectFiles(states, read, "fingerprint"))
    rows = [
        ResultRow(n, n.split("::")[0], o, root_key=FAILING if o == "failed" else None)
        for n, o in sorted(tests.items())
    ]
    log.write_results(run_id, rows)
    failing = sum(o == "failed" for o in tests.values())
    log.finish_run(
        run_id,
        exit_code=1 if failing else 0,
        outcome="failed" if failing else "passed",
        totals=RunTotals(len(tests), len(tests) - failing, failing, 0, 0, 0, 0),
        crashed_test=None,
    )
    return run_id


BROKEN = {"t/a.py::x": "failed", "t/a.py::y": "failed", "t/b.py::z": "passed"}
FIXED = {"t/a.py::x": "passed", "t/a.py::y": "passed", "t/b.py::z": "passed"}


def test_runs_before_snapshots_keep_the_earlier_rule(log: SessionLog, tmp_path: Path) -> None:
    first = record(log, BROKEN, None)
    second = record(log, FIXED, None)
    plan = place_fix(log, tmp_path)  # not a git checkout: git names no file
    assert plan == (second, None, (), False)
    assert place_fix(log, tmp_path, ["app/m.py"]).files == ("app/m.py",)
    fix = log.add_fix("late", before_run_id=plan.before_run)
    assert fix.before_run_id == second != first


def test_with_snapshots_the_change_decides(log: SessionLog, tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "m.py").write_text("fixed\n")
    first = record(log, BROKEN, {"app/m.py": b"broken\n"})
    second = record(log, FIXED, {"app/m.py": b"fixed\n"})
    plan = place_fix(log, tmp_path)
    assert plan == (first, second, ("app/m.py",), True)
    found = fix_prefill(log, tmp_path)
    assert found.placement == f"run {first} -> run {second}: 2 tests flipped to pass"
    assert found.problem == f"2 of 2 failing with {FAILING} pass now"
    assert [cause.hint for cause in found.causes] == [None]  # no failure text recorded
    fix = log.add_fix("m", before_run_id=first, evidence_run_id=second, files=plan.files)
    evidence = fix_evidence(log, fix)
    assert evidence is not None and evidence.flipped == {"t/a.py": ["t/a.py::x", "t/a.py::y"]}
