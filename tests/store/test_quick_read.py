"""The diff queries behind ``cockpit diff`` agree with a plain comparison, on every backend.

Three queries answer a diff, depending on what the two runs stored when they finished (see
``quick_read.changed_results_sql``): per-module digests, only a digest of all node ids, or
nothing (runs recorded before either existed). Each must give exactly the diff of the
runs' complete outcomes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from cockpit.report.diff import diff_changes, diff_runs
from cockpit.settings import database_location
from cockpit.store import database, quick_read
from cockpit.store.database import DatabaseLocation, create_store_engine, open_engine, upgrade
from cockpit.store.quick_read import (
    CHANGED_BY_MODULE_SQL,
    CHANGED_FAILING_SQL,
    CHANGED_RESULTS_SQL,
    ChangedRows,
    QuickReader,
    changed_results_sql,
)
from cockpit.store.recorder import module_digests, results_digest
from cockpit.store.rows import ResultRow, RunTotals
from cockpit.store.session_log import SessionLog
from tests.helpers import cockpit, cockpit_json, copy_project

Tests = dict[str, tuple[str, str | None]]

# a.py keeps its tests; b.py gains and loses some; c.py is gone; d.py is new.
BEFORE: Tests = {
    "a.py::fixed": ("failed", "E: one"),
    "a.py::broken": ("passed", None),
    "a.py::changed": ("failed", "E: one"),
    "a.py::same_failure": ("error", "E: two"),
    "a.py::switched_phase": ("failed", "E: two"),
    "a.py::steady": ("passed", None),
    "a.py::skipped_now": ("passed", None),
    "b.py::steady": ("passed", None),
    "b.py::fixed": ("error", "E: setup"),
    "b.py::broken": ("skipped", None),
    "b.py::gone": ("passed", None),
    "b.py::gone_failing": ("failed", "E: one"),
    "c.py::gone": ("passed", None),
    "c.py::gone_failing": ("failed", "E: one"),
}
AFTER: Tests = {
    "a.py::fixed": ("xfailed", None),
    "a.py::broken": ("failed", "E: three"),
    "a.py::changed": ("failed", "E: other"),
    "a.py::same_failure": ("error", "E: two"),
    "a.py::switched_phase": ("error", "E: two"),
    "a.py::steady": ("passed", None),
    "a.py::skipped_now": ("skipped", None),
    "b.py::steady": ("passed", None),
    "b.py::fixed": ("passed", None),
    "b.py::broken": ("crashed", "crashed"),
    "b.py::new": ("passed", None),
    "b.py::new_failing": ("failed", "E: one"),
    "d.py::new": ("passed", None),
    "d.py::new_failing": ("error", "E: setup"),
}
EXPECTED = {
    "fixed": ["a.py::fixed", "b.py::fixed"],
    "broken": ["a.py::broken", "b.py::broken"],
    "new": ["b.py::new", "b.py::new_failing", "d.py::new", "d.py::new_failing"],
    "removed": ["b.py::gone", "b.py::gone_failing", "c.py::gone", "c.py::gone_failing"],
    "changed_error": ["a.py::changed"],
}
SHARED_AFTER = {nodeid: AFTER[nodeid] for nodeid in BEFORE if nodeid in AFTER}
SHARED_BEFORE = {nodeid: BEFORE[nodeid] for nodeid in AFTER if nodeid in BEFORE}
EXPECTED_SHARED = {**EXPECTED, "new": [], "removed": []}

RESULTS_ONLY, MODULES = "results digest only", "module digests"
DIGESTS = (None, RESULTS_ONLY, MODULES)


def module_of(nodeid: str) -> str:
    return nodeid.split("::")[0]


def record(log: SessionLog, tests: Tests, digests: str | None, *, whole_suite: bool = True) -> int:
    """A finished run of ``tests``, storing the digests a recorder of some era would."""
    run_id = log.begin_run([], whole_suite=whole_suite, selection_reason="all", interpreter="py")
    log.write_results(
        run_id, [ResultRow(n, module_of(n), o, signature=s) for n, (o, s) in tests.items()]
    )
    log.finish_run(
        run_id,
        exit_code=1,
        outcome="failed",
        totals=RunTotals(len(tests), 0, 0, 0, 0, 0, 0),
        crashed_test=None,
        results_digest=results_digest(set(tests)) if digests else None,
        module_digests=module_digests({n: module_of(n) for n in tests})
        if digests == MODULES
        else None,
    )
    return run_id


def diff_json(rows: ChangedRows) -> dict[str, list[str]]:
    return diff_changes(rows, before_whole_suite=True, after_whole_suite=True).as_json()


def plain_diff(log: SessionLog, before: int, after: int) -> dict[str, list[str]]:
    """The reference: every outcome of both runs, compared in Python."""
    runs = log.run(before), log.run(after)
    return diff_runs(
        log.outcomes(before),
        log.outcomes(after),
        before_whole_suite=runs[0].whole_suite,
        after_whole_suite=runs[1].whole_suite,
    ).as_json()


def test_the_cheapest_query_that_is_still_exact_is_chosen() -> None:
    assert changed_results_sql("d1", "d2", modules_recorded=True) is CHANGED_BY_MODULE_SQL
    assert changed_results_sql("d1", "d1", modules_recorded=True) is CHANGED_BY_MODULE_SQL
    assert changed_results_sql("d1", "d1") is CHANGED_FAILING_SQL
    assert changed_results_sql("d1", "d2") is CHANGED_RESULTS_SQL
    assert changed_results_sql(None, None) is CHANGED_RESULTS_SQL


@pytest.mark.parametrize("digests", DIGESTS, ids=["no digests", "results digest", "modules"])
def test_every_query_on_every_backend_gives_the_plain_diff(
    log: SessionLog, digests: str | None
) -> None:
    first, second = record(log, BEFORE, digests), record(log, AFTER, digests)
    assert diff_json(log.changed_results(log.run(first), log.run(second))) == EXPECTED
    assert plain_diff(log, first, second) == EXPECTED
    same_a, same_b = record(log, SHARED_BEFORE, digests), record(log, SHARED_AFTER, digests)
    assert diff_json(log.changed_results(log.run(same_a), log.run(same_b))) == EXPECTED_SHARED
    assert plain_diff(log, same_a, same_b) == EXPECTED_SHARED
    backwards = diff_json(log.changed_results(log.run(second), log.run(first)))
    assert backwards == plain_diff(log, second, first)
    assert backwards["new"] == EXPECTED["removed"] and backwards["fixed"] == EXPECTED["broken"]


def test_runs_with_and_without_module_digests_compare_in_full(log: SessionLog) -> None:
    old, new = record(log, BEFORE, RESULTS_ONLY), record(log, AFTER, MODULES)
    assert diff_json(log.changed_results(log.run(old), log.run(new))) == EXPECTED
    assert diff_json(log.changed_results(log.run(new), log.run(old))) == plain_diff(log, new, old)


def test_a_subset_run_never_reads_as_removed(log: SessionLog) -> None:
    subset = {n: AFTER[n] for n in ("a.py::fixed", "b.py::new")}
    first = record(log, BEFORE, MODULES)
    second = record(log, subset, MODULES, whole_suite=False)
    got = diff_changes(
        log.changed_results(log.run(first), log.run(second)),
        before_whole_suite=True,
        after_whole_suite=False,
    )
    assert got.as_json() == {
        **{kind: [] for kind in EXPECTED},
        "fixed": ["a.py::fixed"],
        "new": ["b.py::new"],
    }
    assert got.as_json() == plain_diff(log, first, second)
    assert got.not_compared == len(BEFORE) - 1  # every other test of the whole-suite run


def record_at_0004(engine: Engine, run_id: int, tests: Tests) -> int:
    """A finished run as a recorder of revision 0004 wrote it (results digest, no module
    digests), in that schema's own columns."""
    with engine.begin() as connection:
        if run_id == 1:
            connection.execute(
                text("INSERT INTO sessions (id, title, started_at) VALUES (1, 'old', 1.0)")
            )
        connection.execute(
            text(
                "INSERT INTO runs (id, session_id, args, selection_reason, whole_suite,"
                " interpreter, pytest_version, rootdir, started_at, ended_at, exit_code,"
                " outcome, recorder_pid, recorder_host, collected, passed, failed, errors,"
                " skipped, xfailed, xpassed, results_digest) VALUES (:id, 1, '[]', 'all',"
                " true, 'py', '', '', :id, :id, 1, 'failed', 0, 'h', :n, 0, 0, 0, 0, 0, 0,"
                " :digest)"
            ),
            {"id": run_id, "n": len(tests), "digest": results_digest(set(tests))},
        )
        if connection.dialect.name == "postgresql":  # explicit ids leave the sequence behind
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('runs', 'id'), MAX(id)) FROM runs")
            )
        for nodeid, (outcome, signature) in tests.items():
            connection.execute(
                text(
                    "INSERT INTO results (run_id, nodeid, module, outcome, setup, call,"
                    " teardown, duration, signature) VALUES (:run, :nodeid, :module,"
                    " :outcome, '', '', '', 0.0, :signature)"
                ),
                {
                    "run": run_id,
                    "nodeid": nodeid,
                    "module": module_of(nodeid),
                    "outcome": outcome,
                    "signature": signature,
                },
            )
    return run_id


def test_a_log_upgraded_in_place_still_diffs_its_old_runs(db_url: str) -> None:
    """Runs recorded at revision 0004 have no module digests: the diff falls back to the
    full comparison, also against a run recorded after the upgrade."""
    location = DatabaseLocation(db_url, "test")
    engine = create_store_engine(location)
    upgrade(engine, "0004")
    first, second = record_at_0004(engine, 1, BEFORE), record_at_0004(engine, 2, AFTER)
    engine.dispose()

    log = SessionLog(open_engine(location))
    with log.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            database.HEAD_REVISION
        )
        assert connection.execute(text("SELECT COUNT(*) FROM run_modules")).scalar() == 0
    assert diff_json(log.changed_results(log.run(first), log.run(second))) == EXPECTED
    third = record(log, AFTER, MODULES)
    assert diff_json(log.changed_results(log.run(first), log.run(third))) == EXPECTED
    log.close()

    if db_url.startswith("sqlite"):
        reader = QuickReader.open(database_location(Path.cwd(), db_url))
        assert reader is not None
        old_a, old_b, new_c = (reader.run(run_id) for run_id in (first, second, third))
        assert old_a is not None and old_b is not None and new_c is not None
        assert (old_a.modules_recorded, old_b.modules_recorded, new_c.modules_recorded) == (
            False,
            False,
            True,
        )
        assert diff_json(reader.changed(old_a, old_b)) == EXPECTED
        assert diff_json(reader.changed(old_a, new_c)) == EXPECTED
        reader.close()


def test_the_sqlite_reader_agrees_with_the_session_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    log = SessionLog(open_engine(DatabaseLocation(url, "test")))
    runs = [record(log, tests, MODULES) for tests in (BEFORE, AFTER, SHARED_AFTER)]
    log.close()
    reader = QuickReader.open(database_location(tmp_path, url))
    assert reader is not None
    before, after, shared = (reader.run(run_id) for run_id in runs)
    assert before is not None and after is not None and shared is not None
    assert before.modules_recorded and after.modules_recorded
    assert diff_json(reader.changed(before, after)) == EXPECTED
    assert diff_json(reader.changed(after, shared))["removed"] == EXPECTED["new"]
    assert [h.id for h in reader.last_runs(2)] == runs[:0:-1]
    assert reader.run(999) is None
    reader.close()


def test_the_reader_steps_aside_for_what_it_cannot_read(tmp_path: Path) -> None:
    assert (
        QuickReader.open(database_location(tmp_path, f"sqlite:///{tmp_path / 'missing.db'}"))
        is None
    )
    assert QuickReader.open(database_location(tmp_path, "postgresql://x@localhost/db")) is None
    (tmp_path / "junk.db").write_text("not sqlite")
    assert (
        QuickReader.open(database_location(tmp_path, f"sqlite:///{tmp_path / 'junk.db'}")) is None
    )
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(create_store_engine(DatabaseLocation(url, "test")), "0004")
    assert (
        QuickReader.open(database_location(tmp_path, url)) is None
    )  # an older schema needs upgrading first


def test_revision_constants_agree() -> None:
    assert quick_read.HEAD_REVISION == database.HEAD_REVISION


@pytest.mark.slow
def test_the_recorder_stores_each_modules_digest_of_what_it_wrote(tmp_path: Path) -> None:
    project = copy_project("outcomes", tmp_path)
    first_code, first = cockpit_json(cwd=project)
    added = project / "tests" / "test_added.py"
    added.write_text("def test_new():\n    pass\n\n\ndef test_new_failing():\n    assert 0\n")
    (project / "tests" / "test_output.py").unlink()
    cockpit_json(cwd=project)
    connection = sqlite3.connect(project / ".cockpit" / "cockpit.db")
    recorded = connection.execute("SELECT DISTINCT run_id FROM run_modules").fetchall()
    assert {row[0] for row in recorded} == {first["run_id"], first["run_id"] + 1}
    stored = connection.execute("SELECT run_id, module, digest, tests, outcomes FROM run_modules")
    for run_id, module, digest, tests, outcomes in stored:
        rows = connection.execute(
            "SELECT nodeid, outcome FROM results WHERE run_id = ? AND module = ?",
            (run_id, module),
        ).fetchall()
        nodeids = [nodeid for nodeid, _ in rows]
        assert len(nodeids) == tests > 0
        assert digest == hashlib.sha256("\n".join(sorted(nodeids)).encode()).hexdigest()
        others = Counter(outcome for _, outcome in rows if outcome != "passed")
        assert json.loads(outcomes) == dict(others)  # counted at the end, equal to the rows
    counted = connection.execute(
        "SELECT run_id, COUNT(DISTINCT module) FROM results GROUP BY run_id"
    ).fetchall()
    modules = connection.execute("SELECT run_id, COUNT(*) FROM run_modules GROUP BY run_id")
    assert sorted(counted) == sorted(modules.fetchall())
    removed = connection.execute(
        "SELECT nodeid FROM results WHERE run_id = ? AND module = 'tests/test_output.py'"
        " ORDER BY nodeid",
        (first["run_id"],),
    ).fetchall()
    connection.close()

    completed = cockpit("diff", "--json", cwd=project)
    assert completed.returncode == 0, completed.stderr
    diff = json.loads(completed.stdout)
    assert diff["new"] == ["tests/test_added.py::test_new", "tests/test_added.py::test_new_failing"]
    assert removed and diff["removed"] == [row[0] for row in removed]
    assert diff["broken"] == diff["fixed"] == diff["changed_error"] == []
    assert first_code == 1  # the project's planted failures
