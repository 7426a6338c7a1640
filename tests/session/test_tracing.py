"""Which runs record the call map, and taking in what their processes wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cockpit.session.tracing import TRACE_ENV, plan_trace, take_in


class FakeLog:
    """Stands in for the session log's call map store (its own tests use the real one)."""

    def __init__(self) -> None:
        self.recorded: list[tuple[int, list[dict[str, Any]]]] = []

    def record_call_map(self, run_id: int, sides: list[dict[str, Any]]) -> int:
        self.recorded.append((run_id, sides))
        return sum(len(side["tests"]) for side in sides)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".cockpit").mkdir()
    (tmp_path / "mod.py").write_text("x = 1\n")
    return tmp_path


def test_a_run_is_traced_until_its_arguments_were_traced_on_the_same_code(project: Path) -> None:
    plan = plan_trace(project, ("tests",))
    assert plan is not None and plan.folder.is_dir()
    (plan.folder / "map.main.json").write_text(json.dumps({"version": 1, "tests": {"t": []}}))
    log = FakeLog()
    assert take_in(plan, log, 7, complete=True) == 1  # type: ignore[arg-type]
    assert log.recorded[0][0] == 7 and not plan.folder.exists()
    assert plan_trace(project, ("tests",)) is None  # same arguments, same code
    other = plan_trace(project, ("tests/test_a.py",))
    assert other is not None
    (project / "mod.py").write_text("x = 22\n")
    again = plan_trace(project, ("tests",))
    assert again is not None  # the code changed since


def test_an_interrupted_run_stores_its_map_but_is_traced_again(project: Path) -> None:
    plan = plan_trace(project, ())
    assert plan is not None
    (plan.folder / "map.gw0.json").write_text(json.dumps({"version": 1, "tests": {}}))
    (plan.folder / "map.gw1.json").write_text("{half a fi")  # a worker that died writing
    log = FakeLog()
    take_in(plan, log, 3, complete=False)  # type: ignore[arg-type]
    assert [len(sides) for _, sides in log.recorded] == [1]
    assert plan_trace(project, ()) is not None


def test_runs_that_are_never_traced(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert plan_trace(project, (), wanted=False) is None
    assert plan_trace(project, ("--pdb",)) is None
    assert plan_trace(project, ("--trace",)) is None
    assert plan_trace(project / "elsewhere", ()) is None  # no .cockpit/: nothing to record into
    monkeypatch.setenv(TRACE_ENV, "0")
    assert plan_trace(project, ()) is None
