"""``cockpit export`` on bad input: one line on stderr, a documented exit code, nothing
half-written; and where its output goes (a file replaced whole, a pipe written in place)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from cockpit.settings import ensure_data_dir
from cockpit.store.database import DatabaseLocation, open_engine
from cockpit.store.session_log import SessionLog
from tests.conftest import FakeClock
from tests.helpers import cockpit, heavy_imports
from tests.report.test_export_collect import two_step_session


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose session log holds one session (two runs, a fix, a known issue)."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pytest.ini").write_text("[pytest]\n")
    database = ensure_data_dir(root) / "cockpit.db"
    log = SessionLog(open_engine(DatabaseLocation(f"sqlite:///{database}", "test")), FakeClock())
    try:
        two_step_session(log)
    finally:
        log.close()
    return root


def one_line_error(completed: subprocess.CompletedProcess[str], code: int, fragment: str) -> None:
    assert completed.returncode == code, completed.stderr
    stderr = completed.stderr
    assert stderr.startswith("cockpit: ") and fragment in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


def test_an_unknown_session_is_one_line(project: Path) -> None:
    one_line_error(cockpit("export", "--session", "99", cwd=project), 4, "no session 99")
    assert not (project / "cockpit-session-99.md").exists()


def test_show_takes_markdown_only(project: Path) -> None:
    one_line_error(
        cockpit("export", "--show", "--format", "json", cwd=project), 4, "drop --format json"
    )
    one_line_error(cockpit("export", "--format", "pdf", cwd=project), 4, "invalid choice")


def test_no_session_log_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    one_line_error(cockpit("export", cwd=tmp_path), 8, "no session log at")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pytest.ini"]


def test_a_database_that_is_not_cockpits_is_one_line(tmp_path: Path) -> None:
    database = tmp_path / "other.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE accounts (id INTEGER)")
    completed = cockpit("export", "--db", f"sqlite:///{database}", cwd=tmp_path)
    one_line_error(completed, 8, "not cockpit's")


def test_unwritable_targets_are_one_line_and_leave_nothing(project: Path) -> None:
    one_line_error(
        cockpit("export", "-o", "missing/summary.md", cwd=project), 4, "pass -o with a writable"
    )
    assert not (project / "missing").exists()
    (project / "folder").mkdir()
    one_line_error(cockpit("export", "-o", "folder", cwd=project), 4, "is a folder")
    assert list((project / "folder").iterdir()) == []


def test_a_file_is_replaced_whole(project: Path) -> None:
    target = project / "summary.md"
    target.write_text("old\n")
    completed = cockpit("export", "-o", "summary.md", cwd=project)
    assert completed.returncode == 0, completed.stderr
    assert target.read_text(encoding="utf-8").startswith("# Session summary: Fix the mapper\n")
    assert sorted(p.name for p in project.iterdir()) == [".cockpit", "pytest.ini", "summary.md"]


def test_a_pipe_is_written_in_place_never_replaced(project: Path) -> None:
    fifo = project / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    completed = cockpit("export", "--format", "json", "-o", str(fifo), cwd=project)
    reader.join(timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert received and received[0].startswith(b'{\n  "format": 1,')
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_exporting_from_sqlite_loads_neither_sqlalchemy_nor_rich(project: Path) -> None:
    """The quick path's whole point: no SQLAlchemy, rich, Textual or dataclasses import."""
    completed, heavy = heavy_imports("export", "-o", "-", "--project", str(project))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("# Session summary: Fix the mapper\n")
    assert heavy == []
