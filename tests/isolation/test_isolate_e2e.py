"""``cockpit isolate`` end to end: real recorded runs, real reruns, real verdicts."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from cockpit.cli.main import main
from cockpit.engine.interpreter import resolve_interpreter
from cockpit.isolation.rerunner import IsolationError, Rerunner, isolate_tests
from tests.engine.test_runner import alive
from tests.helpers import cockpit, copy_project

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def no_plugin_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture projects need no plugin, and this venv's (textual-snapshot, testmon...)
    would cost each of the many pytest children about a second of CPU."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


VICTIM = "tests/test_order.py::test_prices_in_euros"
POLLUTER = "tests/test_order.py::test_switches_currency"
REAL = "tests/test_real.py::test_vat_is_added"
FLAKY = "tests/test_unstable.py::test_alternates"


def stored_isolations(project: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(project / ".cockpit" / "cockpit.db") as db:
        return db.execute(
            "SELECT run_id, nodeid, verdict, outcomes, polluter FROM isolations ORDER BY id"
        ).fetchall()


def test_isolate_tells_real_order_dependent_and_flaky_failures_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project("isolation", tmp_path)
    assert main(["run", "--json", "--project", str(project), "--python", sys.executable]) == 1
    run = json.loads(capsys.readouterr().out)
    assert run["totals"]["failed"] == 3

    completed = cockpit("isolate", "--failed", "--bisect", "--repeats", "2", "--json", cwd=project)
    assert completed.returncode == 0, completed.stderr
    verdicts = {item["nodeid"]: item for item in json.loads(completed.stdout)}
    assert set(verdicts) == {VICTIM, REAL, FLAKY}
    assert verdicts[VICTIM] == {
        "nodeid": VICTIM,
        "verdict": "passes-alone",
        "outcomes": ["passed"] * 2,
        "polluter": POLLUTER,
    }
    assert verdicts[REAL]["verdict"] == "fails-alone"
    assert verdicts[REAL]["outcomes"] == ["failed"] * 2 and verdicts[REAL]["polluter"] is None
    # Attempt 0 failed in the recorded run; the two reruns take attempts 1 and 2.
    assert verdicts[FLAKY]["verdict"] == "flaky"
    assert sorted(verdicts[FLAKY]["outcomes"]) == ["failed", "passed"]

    stored = stored_isolations(project)
    assert {(row[0], row[1], row[2]) for row in stored} == {
        (run["run_id"], VICTIM, "passes-alone"),
        (run["run_id"], REAL, "fails-alone"),
        (run["run_id"], FLAKY, "flaky"),
    }
    assert [row[4] for row in stored if row[1] == VICTIM] == [POLLUTER]

    assert main(["isolate", REAL, "--repeats", "1", "--jobs", "1", "--project", str(project)]) == 0
    table = capsys.readouterr().out
    assert "fails-alone" in table and "tests/test_real.py" in table


def test_bad_input_is_one_line_and_records_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project("isolation", tmp_path)
    where = ("--project", str(project), "--python", sys.executable)

    def refused(*args: str) -> str:
        assert main(["isolate", *args, *where]) == 4
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("cockpit: "), lines
        return lines[0]

    assert "no recorded run" in refused("--failed")
    assert "--failed" in refused()
    assert "--repeats" in refused(REAL, "--repeats", "0")
    assert "--jobs" in refused(REAL, "--jobs", "0")
    assert "test_no_such_test" in refused("tests/test_real.py::test_no_such_test", "--repeats", "1")
    assert main(["run", "--json", *where, "tests/test_alpha.py"]) == 0
    assert "no failing tests" in refused("--failed")
    assert stored_isolations(project) == []


def test_a_duplicate_model_is_one_cluster_with_the_duplicate_table_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project("sqla_duplicate_model", tmp_path)
    where = ["--project", str(project)]
    assert main(["run", "--json", *where, "--python", sys.executable]) == 1
    run = json.loads(capsys.readouterr().out)
    assert run["totals"]["errors"] == 4 and run["totals"]["passed"] == 2
    assert main(["clusters", "--json", *where]) == 0
    (cluster,) = json.loads(capsys.readouterr().out)
    assert cluster["count"] == 4 and cluster["modules"] == ["tests/test_admin.py"]
    assert cluster["hint_rule"] == "sqlalchemy-duplicate-table"
    assert "users" in cluster["hint"]


def test_cancelling_isolation_leaves_no_process_behind(tmp_path: Path) -> None:
    project = copy_project("hang", tmp_path)
    pid_file = tmp_path / "grandchild.pid"

    async def start_then_cancel() -> tuple[int, int]:
        interpreter = resolve_interpreter(project, sys.executable)
        task = asyncio.create_task(
            isolate_tests(project, interpreter, ["tests/test_hang.py::test_spawns_child"])
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while not pid_file.exists() or not pid_file.read_text().strip():
            assert loop.time() < deadline, "the hanging test never started"
            await asyncio.sleep(0.05)
        grandchild = int(pid_file.read_text())
        with open(f"/proc/{grandchild}/stat") as stat:
            pytest_pid = int(stat.read().split(") ", 1)[1].split()[1])
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return pytest_pid, grandchild

    os.environ["HANG_PID_FILE"] = str(pid_file)
    try:
        pytest_pid, grandchild = asyncio.run(start_then_cancel())
    finally:
        os.environ.pop("HANG_PID_FILE", None)
    assert not alive(pytest_pid) and not alive(grandchild)


def test_an_unknown_node_id_stops_every_rerun(tmp_path: Path) -> None:
    project = copy_project("isolation", tmp_path)
    interpreter = resolve_interpreter(project, sys.executable)
    with pytest.raises(IsolationError, match="test_missing"):
        asyncio.run(
            isolate_tests(
                project, interpreter, [REAL, "tests/test_real.py::test_missing"], repeats=1
            )
        )


def test_a_prefix_too_long_for_one_command_line_is_one_line(tmp_path: Path) -> None:
    project = copy_project("isolation", tmp_path)
    rerunner = Rerunner(project, resolve_interpreter(project, sys.executable))
    before = [f"tests/test_alpha.py::test_{index:06d}_{'x' * 200}" for index in range(20_000)]
    with pytest.raises(IsolationError, match="after 20000 other tests"):
        asyncio.run(rerunner.outcome(REAL, before))
