"""The session picture read out of session logs written as the recorder writes them: the
same picture through the quick sqlite3 path and through SQLAlchemy (SQLite, PostgreSQL),
and the counted shortcut the export takes agreeing with the test-by-test read."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cockpit.report.collect import SummaryReader
from cockpit.settings import DatabaseLocation
from cockpit.store.recorder import module_digests
from cockpit.store.rows import CollectionErrorRecord, ResultRow, RunTotals
from cockpit.store.session_log import SessionLog
from cockpit.suite.model import Counts
from cockpit.suite.picture import SuitePicture
from cockpit.suite.read import PictureReader
from cockpit.suite.reading import engine_query, open_query

A, B, C = "tests/test_a.py", "tests/test_b.py", "tests/test_c.py"


def record(
    log: SessionLog,
    tests: dict[str, str],
    args: Sequence[str] = (),
    *,
    errors: Sequence[str] = (),
    outcome: str | None = None,
) -> int:
    """One run recorded as ``RunRecorder`` records it: results, collection errors, the
    ending with its module digests and counts."""
    run_id = log.begin_run(
        list(args), whole_suite=not args, selection_reason="x", interpreter="python"
    )
    rows = [ResultRow(n, n.split("::")[0], o, duration=0.1) for n, o in sorted(tests.items())]
    collection_errors = [
        CollectionErrorRecord(path, f"E   ImportError: {path}\nmore", "") for path in errors
    ]
    log.write_results(run_id, rows, (), collection_errors)
    failing = sum(o != "passed" for o in tests.values()) + len(errors)
    log.finish_run(
        run_id,
        exit_code=1 if failing else 0,
        outcome=outcome or ("failed" if failing else "passed"),
        totals=RunTotals(len(tests), len(tests) - failing, failing, 0, 0, 0, 0),
        crashed_test=None,
        module_digests=module_digests({n: n.split("::")[0] for n in tests}, tests),
    )
    return run_id


def session(log: SessionLog) -> int:
    """Whole suite (test_c.py does not import), a watch rerun of test_b.py, the fix of
    test_c.py, then a subset leaving a known failure out."""
    started = log.start_session("Picture", None)
    record(
        log,
        {f"{A}::t1": "passed", f"{A}::t2": "failed", f"{B}::t1": "failed", f"{B}::t2": "passed"},
        errors=[C],
    )
    record(log, {f"{B}::t1": "passed", f"{B}::t2": "passed"}, ["--ff", B])
    record(log, {f"{C}::t{n}": "passed" for n in range(4)}, [C])
    log.add_known_issue(
        "A fails", [f"{A}::t2"], workaround=None, deselected=(), priority="high", effort=""
    )
    record(log, {f"{A}::t1": "passed"}, ["-k", "not t2", A])
    return started.id


def check(picture: SuitePicture) -> None:
    modules = picture.modules()
    assert set(modules) == {A, B, C}
    assert modules[A].counts == Counts(passed=1, failed=1) and modules[A].runs == (1, 4)
    assert modules[A].known == 1
    assert modules[B].counts == Counts(passed=2) and modules[B].runs == (2,)
    assert modules[C].counts == Counts(passed=4) and modules[C].collection_error is None
    assert picture.totals() == Counts(passed=7, failed=1)
    assert picture.baseline is not None and picture.baseline.id == 1
    assert picture.last_whole is not None and picture.last_whole.id == 1
    assert [run.id for run in picture.runs] == [1, 2, 3, 4]


def test_the_picture_of_a_recorded_session(log: SessionLog) -> None:
    session_id = session(log)
    reader = PictureReader(engine_query(log.engine))
    picture = reader.picture(session_id)
    check(picture)
    assert picture.tests[f"{B}::t1"].previous == "failed"
    before = reader.picture(session_id, before_run=3)
    assert before.modules()[C].collection_error == f"E   ImportError: {C}"


def test_the_counted_read_agrees_with_the_test_by_test_read(log: SessionLog) -> None:
    session_id = session(log)
    record(log, {f"{A}::t1": "passed", f"{A}::t2": "failed", f"{B}::t1": "passed"})
    record(log, {f"{A}::t2": "passed"}, [f"{A}::t2"])

    counts = SummaryReader(engine_query(log.engine)).module_counts  # what the export passes
    full = PictureReader(engine_query(log.engine)).picture(session_id)
    quick = PictureReader(engine_query(log.engine), counts).picture(session_id, each_test=False)
    assert quick.modules() == full.modules()
    assert set(quick.counted) == {B} and set(full.counted) == set()
    assert full.modules()[A].counts == Counts(passed=2) and full.modules()[A].runs == (5, 6)
    assert set(full.modules()) == {A, B}  # run 5 covered everything: test_c.py is gone


def test_the_quick_path_reads_the_same_picture(tmp_path: Path) -> None:
    database = DatabaseLocation(f"sqlite:///{tmp_path / 'cockpit.db'}", "test")
    log = SessionLog.open(database)
    session_id = session(log)
    log.close()
    with open_query(database) as query:
        assert query.__qualname__.startswith("sqlite_query")
        check(PictureReader(query).picture(session_id))


def test_a_new_session_starts_from_the_last_whole_suite_run_before_it(log: SessionLog) -> None:
    record(log, {f"{A}::t1": "failed", f"{B}::t1": "passed"})
    later = log.start_session("Next day", None)
    record(log, {f"{A}::t1": "passed"}, [A])
    picture = PictureReader(engine_query(log.engine)).picture(later.id)
    assert picture.totals() == Counts(passed=2)
    assert picture.modules()[B].runs == (1,)
    assert picture.baseline is not None and picture.baseline.id == 1
