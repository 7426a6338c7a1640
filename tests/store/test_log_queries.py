"""The read-only commands' queries (``runs``, ``history``, ``fix list``, ``known list``)
give the same rows through the quick sqlite3 path and through SQLAlchemy on every
backend, and the commands answer without importing SQLAlchemy or rich."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from cockpit.session.fixes import fix_evidence
from cockpit.settings import DatabaseLocation, database_location
from cockpit.store import log_queries
from cockpit.store.database import open_engine
from cockpit.store.rows import ResultRow, RunTotals
from cockpit.store.session_log import SessionLog
from tests.helpers import cockpit, cockpit_json, copy_project


def _run(log: SessionLog, outcomes: dict[str, str], start: tuple[str, str] | None) -> int:
    run_id = log.begin_run(["-k", "x"], whole_suite=True, selection_reason="all", interpreter="py")
    log.write_results(
        run_id, [ResultRow(n, n.split("::")[0], o, signature=None) for n, o in outcomes.items()]
    )
    log.finish_run(
        run_id,
        exit_code=1,
        outcome="failed",
        totals=RunTotals(len(outcomes), 1, 1, 0, 0, 0, 0),
        crashed_test=None,
        start=start,
    )
    return run_id


def _fill(log: SessionLog) -> None:
    _run(log, {"a.py::t": "failed", "a.py::u": "passed"}, None)
    log.add_fix("Fix t", files=["a.py"], risk="high")
    _run(log, {"a.py::t": "passed", "a.py::u": "passed"}, ("warm", "forked from the server"))
    log.add_known_issue(
        "flaky u",
        ["a.py::u"],
        workaround="-k 'not u'",
        deselected=["a.py::u"],
        priority="high",
        effort="1d",
    )


def test_every_read_gives_the_same_rows_on_every_backend(log: SessionLog) -> None:
    _fill(log)
    query = log.rows
    runs = log_queries.runs(query)
    assert [(r.id, r.start_mode, r.start_reason, r.args) for r in runs] == [
        (2, "warm", "forked from the server", ["-k", "x"]),
        (1, None, None, ["-k", "x"]),
    ]
    assert [r.id for r in log_queries.runs(query, 1)] == [2]
    assert [(h.run_id, h.outcome) for h in log_queries.history(query, "a.py::t")] == [
        (1, "failed"),
        (2, "passed"),
    ]
    (fix,) = log_queries.fixes(query)
    assert (fix.title, fix.files, fix.before_run_id, fix.evidence_run_id) == (
        "Fix t",
        ["a.py"],
        1,
        2,
    )
    quick = log_queries.fix_evidence(query, fix.before_run_id, fix.evidence_run_id)
    assert quick is not None
    assert quick.flipped == {"a.py": ["a.py::t"]}
    assert quick == fix_evidence(log, log.fixes()[0])
    (known,) = log_queries.known_issues(query)
    assert (known.tests, known.deselected, known.status) == (["a.py::u"], ["a.py::u"], "open")


def test_the_quick_reader_gives_what_the_session_log_gives(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    log = SessionLog(open_engine(DatabaseLocation(url, "test")))
    _fill(log)
    reader = log_queries.open_reader(database_location(tmp_path, url))
    assert reader.quick
    for read in (log_queries.runs, log_queries.fixes, log_queries.known_issues):
        assert read(reader.query) == read(log.rows)  # type: ignore[operator]
    assert log_queries.history(reader.query, "a.py::t") == log_queries.history(log.rows, "a.py::t")
    reader.close()
    log.close()


def test_a_run_left_running_by_a_dead_cockpit_takes_the_repairing_path(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    log = SessionLog(open_engine(DatabaseLocation(url, "test")))
    run_id = log.begin_run([], whole_suite=True, selection_reason="all", interpreter="py")
    log.engine.dispose()
    with sqlite3.connect(tmp_path / "c.db") as connection:
        connection.execute("UPDATE runs SET recorder_pid = 999999999 WHERE id = ?", (run_id,))
    reader = log_queries.open_reader(database_location(tmp_path, url))
    assert not reader.quick
    assert log_queries.runs(reader.query)[0].outcome == "interrupted"
    reader.close()
    again = log_queries.open_reader(database_location(tmp_path, url))
    assert again.quick  # repaired once: quick from then on
    again.close()


def test_read_only_commands_import_neither_sqlalchemy_nor_rich(tmp_path: Path) -> None:
    project = copy_project("collection_error", tmp_path)
    cockpit_json(cwd=project)
    fix = cockpit("fix", "add", "a fix", "--files", "x.py", cwd=project)
    assert fix.returncode == 0, fix.stderr
    commands = [
        ["runs", "--json"],
        ["history", "tests/test_good_a.py::test_addition", "--json"],
        ["fix", "list", "--json"],
        ["known", "list", "--json"],
    ]
    for command in commands:
        code = (
            "import json, sys\n"
            "from cockpit.cli.main import main\n"
            f"code = main({command!r})\n"
            "loaded = sorted(n for n in sys.modules if n.split('.')[0] in ('sqlalchemy', 'rich'))\n"
            "print(json.dumps([code, loaded]), file=sys.stderr)\n"
        )
        completed = subprocess.run(
            [sys.executable, "-c", code], cwd=project, capture_output=True, text=True
        )
        exit_code, loaded = json.loads(completed.stderr.strip().splitlines()[-1])
        assert (command, exit_code, loaded) == (command, 0, [])
        json.loads(completed.stdout)
