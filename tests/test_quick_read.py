"""The fast read path of ``cockpit diff`` agrees with the general one, on every backend."""

from __future__ import annotations

from pathlib import Path

from cockpit.diff import diff_runs
from cockpit.store import database, quick_read
from cockpit.store.quick_read import (
    CHANGED_FAILING_SQL,
    CHANGED_RESULTS_SQL,
    QuickReader,
    split_changed,
)
from cockpit.store.recorder import results_digest
from cockpit.store.session_log import ResultRow, RunTotals, SessionLog

BEFORE = {
    "a.py::fixed": ("failed", "E: one"),
    "a.py::broken": ("passed", None),
    "a.py::changed": ("failed", "E: one"),
    "a.py::same_failure": ("error", "E: two"),
    "b.py::steady": ("passed", None),
    "b.py::skipped_now": ("passed", None),
}
AFTER = {
    "a.py::fixed": ("passed", None),
    "a.py::broken": ("failed", "E: three"),
    "a.py::changed": ("failed", "E: other"),
    "a.py::same_failure": ("error", "E: two"),
    "b.py::steady": ("passed", None),
    "b.py::skipped_now": ("skipped", None),
}
EXPECTED = {
    "fixed": ["a.py::fixed"],
    "broken": ["a.py::broken"],
    "new": [],
    "removed": [],
    "changed_error": ["a.py::changed"],
}


def record(log: SessionLog, tests: dict[str, tuple[str, str | None]], digest: bool) -> int:
    run_id = log.begin_run([], whole_suite=True, selection_reason="all", interpreter="py")
    log.write_results(
        run_id,
        [ResultRow(n, n.split("::")[0], o, signature=s) for n, (o, s) in tests.items()],
    )
    log.finish_run(
        run_id,
        exit_code=1,
        outcome="failed",
        totals=RunTotals(len(tests), 0, 0, 0, 0, 0, 0),
        crashed_test=None,
        results_digest=results_digest(set(tests)) if digest else None,
    )
    return run_id


def diff_json(rows: quick_read.ChangedRows) -> dict[str, list[str]]:
    before, after = split_changed(rows)
    return diff_runs(before, after, before_whole_suite=True, after_whole_suite=True).as_json()


def test_both_queries_on_every_backend_give_the_same_diff(log: SessionLog) -> None:
    full_a, full_b = record(log, BEFORE, digest=False), record(log, AFTER, digest=False)
    fast_a, fast_b = record(log, BEFORE, digest=True), record(log, AFTER, digest=True)
    assert log.run(fast_a).results_digest == log.run(fast_b).results_digest
    assert diff_json(log.changed_results(log.run(full_a), log.run(full_b))) == EXPECTED
    assert diff_json(log.changed_results(log.run(fast_a), log.run(fast_b))) == EXPECTED


def test_the_sqlite_reader_agrees_with_the_session_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    log = SessionLog(database.open_engine(database.DatabaseLocation(url, "test")))
    first, second = record(log, BEFORE, digest=True), record(log, AFTER, digest=True)
    log.close()
    reader = QuickReader.open(tmp_path, url)
    assert reader is not None
    before, after = reader.run(first), reader.run(second)
    assert before is not None and after is not None
    assert diff_json(reader.changed(before, after)) == EXPECTED
    assert [h.id for h in reader.last_runs(2)] == [second, first]
    assert reader.run(999) is None
    reader.close()


def test_the_reader_steps_aside_for_what_it_cannot_read(tmp_path: Path) -> None:
    assert QuickReader.open(tmp_path, f"sqlite:///{tmp_path / 'missing.db'}") is None
    assert QuickReader.open(tmp_path, "postgresql://x@localhost/db") is None
    (tmp_path / "junk.db").write_text("not sqlite")
    assert QuickReader.open(tmp_path, f"sqlite:///{tmp_path / 'junk.db'}") is None


def test_revision_constants_agree() -> None:
    assert quick_read.HEAD_REVISION == database.HEAD_REVISION
    assert "outcome IN" in CHANGED_FAILING_SQL and "LEFT JOIN" in CHANGED_RESULTS_SQL
