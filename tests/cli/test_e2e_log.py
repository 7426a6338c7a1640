"""The session log end to end: real runs recorded, fixes proven, crashes survived."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import cockpit, cockpit_json, copy_project

pytestmark = pytest.mark.slow


def log_json(project: Path, *args: str) -> object:
    completed = cockpit(*args, "--json", cwd=project)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_run_fix_run_diff_on_a_broken_sqlalchemy_app(tmp_path: Path) -> None:
    project = copy_project("sqla_missing_import", tmp_path)
    assert cockpit("session", "start", "Fix the tag mapper", cwd=project).returncode == 0
    code, first = cockpit_json(cwd=project)
    assert code == 1
    broken = first["totals"]["failed"] + first["totals"]["errors"]

    init = project / "app" / "models" / "__init__.py"
    init.write_text(init.read_text() + "\nfrom app.models.tag import Tag  # noqa: F401\n")
    added = cockpit(
        "fix",
        "add",
        "Import Tag in app.models",
        "--root-cause",
        "Tag never imported",
        "--files",
        "app/models/__init__.py",
        "--risk",
        "low",
        cwd=project,
    )
    assert added.returncode == 0, added.stderr
    code, second = cockpit_json(cwd=project)
    assert code == 0

    diff = log_json(project, "diff")
    assert isinstance(diff, dict)
    assert len(diff["fixed"]) == broken
    assert diff["broken"] == diff["new"] == diff["removed"] == diff["changed_error"] == []

    (fix,) = log_json(project, "fix", "list")  # type: ignore[misc]
    assert fix["before_run"] == first["run_id"] and fix["evidence_run"] == second["run_id"]
    assert fix["flipped_count"] == broken
    assert set(fix["flipped_to_pass"]) == {"tests/test_posts.py", "tests/test_tags.py"}

    runs = log_json(project, "runs")
    assert isinstance(runs, list)
    assert [r["outcome"] for r in runs] == ["passed", "failed"]
    assert runs[1]["whole_suite"] and runs[1]["totals"] == first["totals"]
    history = log_json(project, "history", "tests/test_util.py::test_excerpt_keeps_short_text")
    assert [h["outcome"] for h in history] == ["passed", "passed"]  # type: ignore[union-attr]
    sessions = log_json(project, "session", "list")
    assert [s["runs"] for s in sessions] == [2]  # type: ignore[union-attr]


def test_a_subset_run_is_not_read_as_the_whole_suite(tmp_path: Path) -> None:
    project = copy_project("sqla_missing_import", tmp_path)
    cockpit_json(cwd=project)
    cockpit_json("tests/test_util.py", cwd=project)
    diff = log_json(project, "diff")
    assert diff == {"fixed": [], "broken": [], "new": [], "removed": [], "changed_error": []}
    text = cockpit("diff", cwd=project).stdout
    assert "subset: tests/test_util.py" in text and "not counted as new or removed" in text


def test_known_issue_workaround_is_verified(tmp_path: Path) -> None:
    project = copy_project("sqla_missing_import", tmp_path)
    target = "tests/test_util.py::test_excerpt_cuts_long_text"
    refused = cockpit(
        "known",
        "add",
        "Excerpts",
        "--tests",
        target,
        "--workaround",
        "-k 'not word_count'",
        "--python",
        sys.executable,
        cwd=project,
    )
    assert refused.returncode == 4
    assert "deselects none of the named tests" in refused.stderr
    accepted = cockpit(
        "known",
        "add",
        "Excerpts",
        "--tests",
        target,
        "--workaround",
        "-k 'not excerpt'",
        "--priority",
        "high",
        "--effort",
        "1h",
        "--python",
        sys.executable,
        cwd=project,
    )
    assert accepted.returncode == 0, accepted.stderr
    (issue,) = log_json(project, "known", "list")  # type: ignore[misc]
    assert set(issue["deselected"]) == {
        "tests/test_util.py::test_excerpt_cuts_long_text",
        "tests/test_util.py::test_excerpt_keeps_short_text",
    }


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.split(") ", 1)[1][0] != "Z"


def test_sigkill_mid_run_loses_nothing_written_and_restart_marks_it_interrupted(
    tmp_path: Path,
) -> None:
    project = copy_project("hang", tmp_path)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cockpit",
            "run",
            "--json",
            "--python",
            sys.executable,
            "-p",
            "no:cacheprovider",
            "-k",
            "quick or sleeps_forever",
        ],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    database = project / ".cockpit" / "cockpit.db"
    deadline = time.monotonic() + 60
    quick = "tests/test_hang.py::test_quick"
    while True:
        assert time.monotonic() < deadline, "test_quick was never recorded"
        time.sleep(0.1)
        if not database.exists():
            continue
        try:
            with sqlite3.connect(database) as connection:
                rows = connection.execute(
                    "SELECT outcome FROM results WHERE nodeid = ?", (quick,)
                ).fetchall()
        except sqlite3.OperationalError:
            continue
        if rows:
            break
    pytest_children = children_of(process.pid)
    killed_at = time.time()
    process.send_signal(signal.SIGKILL)
    process.wait()

    # the orphaned pytest child notices and stops by itself
    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in pytest_children):
        assert time.monotonic() < deadline, "the orphaned pytest process kept running"
        time.sleep(0.1)

    runs = log_json(project, "runs")
    assert isinstance(runs, list)
    (run,) = runs
    assert run["outcome"] == "interrupted" and run["exit_code"] == 2
    assert run["totals"]["passed"] == 1
    assert run["collected"] == 2  # as it streamed, not the 0 of a run never finished
    assert run["started_at"] <= run["ended_at"] <= killed_at  # its last recorded batch
    history = log_json(project, "history", quick)
    assert [h["outcome"] for h in history] == ["passed"]  # type: ignore[union-attr]


def test_two_cockpits_on_one_project_both_record_everything(tmp_path: Path) -> None:
    project = copy_project("sqla_missing_import", tmp_path)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [
        sys.executable,
        "-m",
        "cockpit",
        "run",
        "--json",
        "--python",
        sys.executable,
        "-p",
        "no:cacheprovider",
    ]
    first = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, text=True)
    reports = [json.loads(p.communicate(timeout=120)[0]) for p in (first, second)]
    assert {r["run_id"] for r in reports} == {1, 2}
    with sqlite3.connect(project / ".cockpit" / "cockpit.db") as connection:
        for report in reports:
            (count,) = connection.execute(
                "SELECT count(*) FROM results WHERE run_id = ?", (report["run_id"],)
            ).fetchone()
            assert count == report["collected"] == 325


def test_clusters_show_one_root_cause_for_the_missing_import(tmp_path: Path) -> None:
    project = copy_project("sqla_missing_import", tmp_path)
    _, report = cockpit_json(cwd=project)
    failing = report["totals"]["failed"] + report["totals"]["errors"]
    clusters = log_json(project, "clusters")
    assert isinstance(clusters, list)
    top = clusters[0]
    assert top["count"] == failing >= 300
    assert top["outcomes"] == {
        "error": report["totals"]["errors"],
        "failed": report["totals"]["failed"],
    }
    assert top["hint_rule"] == "sqlalchemy-unimported-class"
    assert "Tag" in top["hint"]
    assert set(top["modules"]) == {"tests/test_posts.py", "tests/test_tags.py"}
    assert top["location"] and not top["location"].startswith("/")
    assert len(clusters) == 1
    live = cockpit("run", "--python", sys.executable, cwd=project).stdout
    assert f"{failing} x sqlalchemy.exc.InvalidRequestError" in live


def test_a_database_failure_after_opening_is_one_line(tmp_path: Path) -> None:
    """A column gone under cockpit (a schema changed by hand): one line, exit 8."""
    project = copy_project("collection_error", tmp_path)
    cockpit_json(cwd=project)
    with sqlite3.connect(project / ".cockpit" / "cockpit.db") as connection:
        connection.execute("ALTER TABLE runs DROP COLUMN selection_reason")
    for args in (("runs",), ("diff", "--json"), ("run", "--python", sys.executable)):
        completed = cockpit(*args, cwd=project)
        assert completed.returncode == 8, (args, completed.stderr)
        assert "Traceback" not in completed.stderr
        assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
