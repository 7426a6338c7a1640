"""``cockpit export`` end to end: sessions recorded by the real ``cockpit run`` on a small
broken SQLAlchemy app, compared with golden files.

What varies from one recording to the next (times, durations, the interpreter and the tmp
folder, git commits) is pinned in the database with UPDATEs before exporting, see
:func:`pin`; a separate test checks that two exports of the same unpinned database are
byte-identical. Regenerate the goldens after an intended change of the output with
``COCKPIT_REGENERATE_GOLDENS=1 .venv/bin/python -m pytest tests/test_export_e2e.py``
and review the diff of ``tests/golden/export/``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.helpers import cockpit, copy_project
from tests.report.export_support import html_tags, table_problems

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).resolve().parent / "golden" / "export"
REGENERATE = os.environ.get("COCKPIT_REGENERATE_GOLDENS") == "1"
EPOCH = 1_790_000_000  # 2026-09-21 14:13:20 UTC

PIN_SQL = (
    # Sessions a day apart; a run ten minutes after the previous one, 30 s long plus a
    # tenth of a second per run id, so every figure in the output is known in advance.
    f"UPDATE sessions SET started_at = {EPOCH} + id * 86400, git_start = NULL, "
    f"git_end = NULL, ended_at = CASE WHEN ended_at IS NULL THEN NULL "
    f"ELSE {EPOCH} + id * 86400 + 7325.5 END",
    f"UPDATE runs SET started_at = {EPOCH} + session_id * 86400 + id * 600, "
    f"ended_at = {EPOCH} + session_id * 86400 + id * 600 + 30 + id / 10.0, "
    "interpreter = 'python', rootdir = '/project', recorder_host = 'host'",
    "UPDATE results SET duration = length(nodeid) / 1000.0",
    f"UPDATE fixes SET created_at = {EPOCH}",
    f"UPDATE known_issues SET created_at = {EPOCH}",
    f"UPDATE notes SET created_at = {EPOCH}",
)


def pin(database: Path, project: Path) -> None:
    with sqlite3.connect(database) as connection:
        for statement in PIN_SQL:
            connection.execute(statement)
        # The tracebacks name the project's files where the test copied it: /project too.
        connection.execute(
            "UPDATE failures SET longrepr = replace(longrepr, :real, '/project')",
            {"real": str(project)},
        )


NO_AUTOLOAD = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
"""For the pytest children: this venv's plugins cost each of them about a second of CPU."""


def ok(*args: str, cwd: Path) -> str:
    completed = cockpit(*args, cwd=cwd, env=NO_AUTOLOAD)
    assert completed.returncode in (0, 1), completed.stderr
    return completed.stdout


def run(project: Path, *args: str) -> None:
    ok("run", "--python", sys.executable, "-p", "no:cacheprovider", *args, cwd=project)


def export(project: Path, *args: str) -> str:
    completed = cockpit("export", "-o", "-", *args, cwd=project)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    return completed.stdout


def check_golden(name: str, content: str, tmp_root: Path) -> None:
    assert str(tmp_root) not in content
    assert sys.executable not in content
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(content, encoding="utf-8", newline="\n")
    assert path.is_file(), f"no golden {path}: run with COCKPIT_REGENERATE_GOLDENS=1"
    assert content == path.read_text(encoding="utf-8"), f"{name} differs from its golden"


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four sessions on the broken blog: only a subset run, fixed in two steps, a module
    that stopped importing fixed under watch (no whole-suite run after it), empty."""
    project = copy_project("export_blog", tmp_path_factory.mktemp("export"))
    ok("session", "start", "Only the util module", cwd=project)
    run(project, "tests/test_util.py", "-k", "word_count or slugify_joins")
    ok("session", "end", cwd=project)
    ok("session", "start", "Fix the blog's mapper and slugs", cwd=project)
    run(project)
    ok(
        "isolate",
        "tests/test_posts.py::test_post_keeps_its_title[0]",
        "tests/test_util.py::test_slugify_keeps_symbols[a|b `x` <i>]",
        "--repeats",
        "2",
        "--python",
        sys.executable,
        cwd=project,
    )
    init = project / "app" / "models" / "__init__.py"
    init.write_text(init.read_text() + "from app.models.tag import Tag  # noqa: F401\n")
    ok(
        "fix",
        "add",
        "Import Tag in app.models",
        "--problem",
        "Every test touching a Post fails: the mappers cannot configure",
        "--root-cause",
        "app.models never imports Tag, so relationship('Tag') cannot be resolved",
        "--solution",
        "Import Tag in app/models/__init__.py",
        "--files",
        "app/models/__init__.py",
        cwd=project,
    )
    run(project)
    util = project / "app" / "util.py"
    util.write_text(util.read_text().replace('"_".join', '"-".join'))
    ok(
        "fix",
        "add",
        "Join slug words with hyphens",
        "--problem",
        "Slugs come out as hello_world | the <b>URLs</b> break",
        "--root-cause",
        "slugify joins with `_`",
        "--files",
        "app/util.py",
        "--risk",
        "medium",
        cwd=project,
    )
    run(project, "tests/test_util.py")
    ok(
        "known",
        "add",
        "Symbols are dropped from slugs \U0001f389",
        "--tests",
        "tests/test_util.py::test_slugify_keeps_symbols[a|b `x` <i>]",
        "--workaround",
        "-k 'not keeps_symbols'",
        "--priority",
        "high",
        "--effort",
        "2h",
        "--python",
        sys.executable,
        cwd=project,
    )
    run(project)
    ok("note", "Mapper errors hid the slug bug in test_tag_slug", cwd=project)
    ok("session", "end", cwd=project)
    ok("session", "start", "A module that stopped importing", cwd=project)
    fixed = util.read_text()
    util.write_text("from app.missing import helper  # noqa: F401\n" + fixed)
    run(project)  # run 6: tests/test_util.py does not import
    util.write_text(fixed)
    run(project, "tests/test_util.py")  # run 7, as a save under watch would: it imports again
    ok(
        "fix",
        "add",
        "Drop the import of app.missing",
        "--root-cause",
        "app.util imports a module that does not exist",
        cwd=project,
    )  # logged after the run that proved it, its files found from the runs' snapshots
    ok("session", "end", cwd=project)
    ok("session", "start", "Nothing yet", cwd=project)
    return project


def test_exporting_an_unpinned_database_twice_gives_the_same_bytes(blog: Path) -> None:
    for session in ("1", "2"):
        assert export(blog, "--session", session) == export(blog, "--session", session)
    first = export(blog, "--session", "2", "--format", "json")
    assert first == export(blog, "--session", "2", "--format", "json")


def test_the_figures_agree_with_the_other_commands(blog: Path) -> None:
    data = json.loads(export(blog, "--session", "2", "--format", "json"))
    listed = json.loads(ok("fix", "list", "--json", cwd=blog))
    assert [fix["comparison"]["fixed"] for fix in data["fixes"]] == [
        sorted(t for tests in fix["flipped_to_pass"].values() for t in tests)
        for fix in listed
        if fix["session_id"] == 2
    ]
    runs = {run["id"]: run for run in json.loads(ok("runs", "--json", cwd=blog))}
    for summary_run in data["runs"]:
        recorded = runs[summary_run["id"]]
        assert summary_run["counts"]["passed"] == recorded["totals"]["passed"]
        assert summary_run["selection"] == recorded["selection"]
    changed = data["comparison"]["changed_error"]
    assert changed == [] and "tests/test_tags.py::test_tag_slug" in data["comparison"]["fixed"]
    (first_fix, _) = data["fixes"]
    assert first_fix["comparison"]["changed_error"] == ["tests/test_tags.py::test_tag_slug"]
    (watched,) = json.loads(export(blog, "--session", "3", "--format", "json"))["fixes"]
    (logged,) = [fix for fix in listed if fix["session_id"] == 3]
    assert (logged["before_run"], logged["evidence_run"], logged["files"]) == (
        6,
        7,
        ["app/util.py"],
    )
    assert [error["module"] for error in watched["errors_resolved"]] == ["tests/test_util.py"]
    assert logged["collection_errors_resolved"] == ["tests/test_util.py"]
    assert watched["new_passing"] == sorted(
        t for tests in logged["new_tests_passing"].values() for t in tests
    )
    assert logged["flipped_count"] == 0 and logged["new_passing_count"] == 11
    # The export reads each module's test count from run_modules: the recorder's counts.
    with sqlite3.connect(blog / ".cockpit" / "cockpit.db") as connection:
        stored = sorted(connection.execute("SELECT run_id, module, tests FROM run_modules"))
        counted = sorted(
            connection.execute(
                "SELECT run_id, module, COUNT(*) FROM results GROUP BY run_id, module"
            )
        )
    # 3 whole runs of 3 modules, 2 subsets, a whole run where two modules did not import
    # (tests/test_tags.py imports app.util too), the subset rerun of one of them
    assert stored == counted and len(stored) == 3 * 3 + 2 + 1 + 1


def test_the_sessions_match_their_goldens(blog: Path, tmp_path: Path) -> None:
    pinned = tmp_path / "pinned"
    pinned.mkdir()
    database = pinned / "cockpit.db"
    with (
        sqlite3.connect(blog / ".cockpit" / "cockpit.db") as source,
        sqlite3.connect(database) as target,
    ):
        source.backup(target)
    pin(database, blog)
    url = f"sqlite:///{database}"
    names = {
        "1": "only_subset_runs",
        "2": "fixed_in_two_steps",
        "3": "fixed_under_watch",
        "4": "empty",
    }
    for session, name in names.items():
        markdown = export(blog, "--session", session, "--db", url)
        assert table_problems(markdown) == [] and html_tags(markdown) == []
        check_golden(f"{name}.md", markdown, blog.parent)
    for session, name in (("2", "fixed_in_two_steps"), ("3", "fixed_under_watch")):
        check_golden(
            f"{name}.json",
            export(blog, "--session", session, "--db", url, "--format", "json"),
            blog.parent,
        )


def test_the_default_file_and_show(blog: Path) -> None:
    completed = cockpit("export", "--session", "4", cwd=blog)
    assert completed.returncode == 0, completed.stderr
    written = blog / "cockpit-session-4.md"
    assert completed.stderr.strip() == f"cockpit export: session 4 written to {written}"
    assert written.read_text(encoding="utf-8") == export(blog, "--session", "4")
    shown = cockpit("export", "--session", "2", "--show", cwd=blog, env={"COLUMNS": "100"})
    assert shown.returncode == 0, shown.stderr
    assert "Session summary: Fix the blog's mapper and slugs" in shown.stdout
    assert "tests/test_posts.py" in shown.stdout
    assert not (blog / "cockpit-session-2.md").exists()
