"""``cockpit import`` end to end: CI files of a suite read back as the run cockpit records.

Each golden file (``golden/regenerate.py`` wrote them with pytest's own ``--junitxml`` and
``--report-log``) is imported next to a live ``cockpit run`` of the same fixture project:
``cockpit diff`` must find nothing between them, test by test and error by error, and the
root causes must be the same.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cockpit, cockpit_json, copy_project

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).resolve().parent / "golden"
OUTPUT_10MB = ("--deselect", "tests/test_output.py::test_prints_10mb")


def log_json(project: Path, *args: str) -> Any:
    completed = cockpit(*args, "--json", cwd=project)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def import_json(project: Path, *args: str) -> dict[str, Any]:
    result = log_json(project, "import", *args)
    assert isinstance(result, dict)
    return result


def clusters(project: Path, run_id: int) -> list[tuple[str, int, dict[str, int]]]:
    found = log_json(project, "clusters", "--run", str(run_id))
    return sorted((c["signature"], c["count"], c["outcomes"]) for c in found)


@pytest.mark.parametrize(
    ("project_name", "files", "run_args"),
    [
        ("import_shapes", ("import_shapes.xunit2.xml",), ()),
        ("import_shapes", ("import_shapes.xunit1.xml",), ()),
        ("import_shapes", ("import_shapes.reportlog.jsonl",), ()),
        ("outcomes", ("outcomes.xml",), OUTPUT_10MB),
        ("outcomes", ("outcomes.reportlog.jsonl",), OUTPUT_10MB),
        ("collection_error", ("collection_error.xml",), ()),
        ("app_small", ("app_small.shard-1.xml", "app_small.shard-2.xml"), ()),
    ],
)
def test_an_import_matches_a_live_run_of_the_same_suite_test_by_test(
    tmp_path: Path, project_name: str, files: tuple[str, ...], run_args: tuple[str, ...]
) -> None:
    project = copy_project(project_name, tmp_path)
    _, live = cockpit_json(*run_args, cwd=project)
    imported = import_json(project, *(str(GOLDEN / name) for name in files))
    assert imported["whole_suite"] and imported["guessed_nodeids"] == 0
    assert imported["selection"].startswith("the whole suite, imported from CI: ")

    diff = log_json(project, "diff", str(live["run_id"]), str(imported["run_id"]))
    assert diff == {"fixed": [], "broken": [], "new": [], "removed": [], "changed_error": []}
    assert clusters(project, live["run_id"]) == clusters(project, imported["run_id"])

    totals = dict(live["totals"])
    if files[0].endswith(".xml"):  # JUnit writes an XPASS as a plain pass
        totals["passed"] += totals.pop("xpassed")
        assert imported["totals"].pop("xpassed") == 0
    assert imported["totals"] == totals
    assert imported["collection_errors"] == len(live["collection_errors"])
    assert imported["exit_code"] == live["exit_code"]

    runs = log_json(project, "runs")
    assert [(run["id"], run["origin"]) for run in runs] == [
        (imported["run_id"], "imported"),
        (live["run_id"], "local"),
    ]
    sources = runs[0]["sources"]
    assert [Path(source["path"]).name for source in sources] == list(files)
    if files[0].endswith(".xml"):
        assert all(source["hostname"] and source["ci_timestamp"] for source in sources)
        assert runs[0]["started_at"] == min(source["ci_timestamp"] for source in sources)


def test_a_shard_is_a_part_of_the_suite_and_a_file_is_imported_once(tmp_path: Path) -> None:
    project = copy_project("app_small", tmp_path)
    _, live = cockpit_json(cwd=project)
    shard = import_json(project, str(GOLDEN / "app_small.shard-1.xml"), "--shard", "1/2")
    assert not shard["whole_suite"] and shard["shard"] == "1/2"
    assert shard["selection"] == "shard 1/2 of the suite, imported from CI: app_small.shard-1.xml"

    diff = cockpit("diff", str(live["run_id"]), str(shard["run_id"]), cwd=project)
    assert diff.returncode == 0, diff.stderr
    assert "removed: 0" in diff.stdout  # the shard's missing half is not read as removed
    assert "tests ran in only one of the two runs, which is a subset" in diff.stdout

    again = cockpit("import", str(GOLDEN / "app_small.shard-1.xml"), cwd=project)
    assert again.returncode == 4
    assert again.stderr.strip().splitlines() == [
        f"cockpit: {GOLDEN / 'app_small.shard-1.xml'} was imported already, as run "
        f"{shard['run_id']} (the same bytes); cockpit runs lists it, and importing it again "
        "would count it twice"
    ]
    assert [run["id"] for run in log_json(project, "runs")] == [shard["run_id"], live["run_id"]]


def test_the_export_names_an_imported_run(tmp_path: Path) -> None:
    project = copy_project("outcomes", tmp_path)
    imported = import_json(project, str(GOLDEN / "outcomes.xml"))
    completed = cockpit("export", "-o", "-", cwd=project)
    assert completed.returncode == 0, completed.stderr
    assert f"run {imported['run_id']} (the whole suite, imported from CI: outcomes.xml)" in (
        completed.stdout
    )
    history = log_json(project, "history", "tests/test_outcomes.py::test_fail")
    assert [(point["run"], point["outcome"]) for point in history] == [
        (imported["run_id"], "failed")
    ]


def test_nothing_is_written_when_the_second_file_is_bad(tmp_path: Path) -> None:
    project = copy_project("app_small", tmp_path)
    truncated = tmp_path / "cut.xml"
    text = (GOLDEN / "app_small.shard-2.xml").read_bytes()
    truncated.write_bytes(text[: len(text) // 2])
    completed = cockpit(
        "import", str(GOLDEN / "app_small.shard-1.xml"), str(truncated), cwd=project
    )
    assert completed.returncode == 4
    (line,) = completed.stderr.strip().splitlines()
    assert line.startswith(f"cockpit: {truncated} is cut off: the XML ends at line ")
    assert line.endswith("; nothing was imported")
    assert log_json(project, "runs") == []
    completed = cockpit("session", "list", "--json", cwd=project)
    assert json.loads(completed.stdout) == []  # not even the day's session was left behind
    assert sys.executable
