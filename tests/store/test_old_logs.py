"""Migrations are history: shipped files never change, and a session log written by the
first landed release (commit 88d04ae, made by ``old_logs/make_88d04ae.sh`` with its real
commands) opens with today's code, upgraded in place, and reads back whole."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from cockpit.store import database
from tests.helpers import cockpit

MIGRATIONS = Path(database.__file__).resolve().parent / "migrations" / "versions"
OLD_LOG = Path(__file__).resolve().parent / "old_logs" / "session-log-88d04ae.db"

SHIPPED = {
    "0001_run_recording.py": "4d43b91031478c2f0b4f30c23c3a2c0a9e8768c54a2537eb9a3eb165646e10ed",
    "0002_fixes_known_issues_notes.py": (
        "5876e58b2c4f877fe4387fc8bb7a435322f4256a8236b3fe2b8ffb48f31ac17c"
    ),
    "0003_results_digest.py": "13d9dfc1816831662c46770477c8bf4645f2502cebc4ab2652ae325b4d3d417a",
    "0004_root_keys_isolation_sources.py": (
        "5e377d1a68dc765b556ebb3488c4b9bcbb56ef0520ee9a2d8c9622adab85c89c"
    ),
    "0005_run_modules.py": "ac9fbc4d3dfd73710f9f5b39bc167d9e11dd4c4b595302b088795a6cdd18e13e",
    "0006_results_by_duration.py": (
        "9d63d8c1b23e7227b452ef3dd514e14693aeee5495d6a7f1d7156f8cf7417024"
    ),
    "0007_module_outcomes.py": "efaf3c54460bd092edd05e52e3ce85a581e8eb7978c9cb746b15066c4961011e",
    "0008_file_snapshots.py": "fd958f6db060cddbae3d8d776a5b71dd9e21d7073b6c801517ced279b31ece84",
    "0009_imported_runs.py": "56c690af873e6def28375528104b743c20b2fee394cfaa442ec7a9e0b7808dce",
    "0010_run_notices.py": "8a6033e93c44e20248f2a6aca067c391087e3951a0b58a86918e0d300ecd8e88",
    "0011_setup_errors_and_regressions.py": (
        "6462baaaad8c26a90889f99b45a97f4c81213e212f15e160eedc9f57768dc8fb"
    ),
    "0012_run_start.py": "39ac261feab138a26c159bf18832415ea1a75b1e0665ff3b3ccc8b12d4cd942c",
    "0013_call_map.py": "ed528a7c30688a56340d0c2743c60dd851b5166f10413fb7a628cf641b03a9a2",
}
"""Each shipped migration's sha256. A new migration gets its pin here when it lands; a
pinned one never changes (a schema change is a new migration)."""


def test_every_migration_is_pinned_and_none_changed() -> None:
    found = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(MIGRATIONS.glob("[0-9]*.py"))
    }
    assert found == SHIPPED


@pytest.fixture
def old_log(tmp_path: Path) -> tuple[Path, str]:
    copy = tmp_path / "cockpit.db"
    shutil.copyfile(OLD_LOG, copy)
    return tmp_path, f"sqlite:///{copy}"


def read(folder: Path, url: str, *args: str) -> Any:
    completed = cockpit(*args, "--json", "--db", url, cwd=folder)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_first_releases_log_is_upgraded_in_place_and_read_back_whole(
    old_log: tuple[Path, str],
) -> None:
    folder, url = old_log
    (session,) = read(folder, url, "session", "list")
    assert (session["title"], session["runs"]) == ("Fix the tag mapper", 2)
    assert session["ended_at"] is not None
    runs = read(folder, url, "runs")
    assert [(r["id"], r["outcome"], r["collected"]) for r in runs] == [
        (2, "passed", 325),
        (1, "failed", 325),
    ]
    assert runs[1]["totals"] == {
        "passed": 5, "failed": 160, "errors": 160, "skipped": 0, "xfailed": 0, "xpassed": 0
    }  # fmt: skip
    assert all(r["deselected"] is None and r["notices"] == [] for r in runs)  # before 0008
    (fix,) = read(folder, url, "fix", "list")
    assert (fix["title"], fix["before_run"], fix["evidence_run"]) == (
        "Import Tag in app.models",
        1,
        2,
    )
    assert fix["flipped_count"] == 320 and fix["files"] == ["app/models/__init__.py"]
    (known,) = read(folder, url, "known", "list")
    assert known["workaround"] == "-k 'not excerpt'" and len(known["deselected"]) == 2
    diff = read(folder, url, "diff", "1", "2")
    assert len(diff["fixed"]) == 320 and diff["broken"] == []
    history = read(folder, url, "history", "tests/test_util.py::test_excerpt_cuts_long_text")
    assert [h["outcome"] for h in history] == ["passed", "passed"]
    clusters = read(folder, url, "clusters", "--run", "1")
    assert sum(c["count"] for c in clusters) == 320
    exported = cockpit("export", "-o", "-", "--db", url, cwd=folder)
    assert exported.returncode == 0, exported.stderr
    text = exported.stdout
    for expected in ("Fix the tag mapper", "Import Tag in app.models", "Excerpts are slow"):
        assert expected in text
    assert "Tag is never imported" in text  # the note
    with sqlite3.connect(folder / "cockpit.db") as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        results = connection.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        failures = connection.execute("SELECT COUNT(*) FROM failures").fetchone()[0]
    assert revision == database.HEAD_REVISION and (results, failures) == (650, 320)
