"""Schema upgrades and the database errors a user can run into, each one clear line."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from cockpit.store.database import (
    HEAD_REVISION,
    DatabaseLocation,
    StoreError,
    create_store_engine,
    ensure_data_dir,
    open_engine,
    stored_revision,
    upgrade,
)
from cockpit.store.models import Base
from cockpit.store.session_log import SessionLog


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = open_engine(DatabaseLocation(db_url, "test"))
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_a_database_of_the_first_schema_is_upgraded_without_losing_a_row(db_url: str) -> None:
    location = DatabaseLocation(db_url, "test")
    engine = create_store_engine(location)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO sessions (id, title, started_at) VALUES (1, 'old session', 1.0)")
        )
        connection.execute(
            text(
                "INSERT INTO runs (id, session_id, args, selection_reason, whole_suite,"
                " interpreter, pytest_version, rootdir, started_at, outcome, recorder_pid,"
                " recorder_host, collected, passed, failed, errors, skipped, xfailed, xpassed)"
                " VALUES (1, 1, '[\"-q\"]', 'the whole suite', true, 'py', '8.0', '/p', 2.0,"
                " 'failed', 0, 'h', 2, 1, 1, 0, 0, 0, 0)"
            )
        )
        for nodeid, outcome in (("a.py::t1", "passed"), ("a.py::t2", "failed")):
            connection.execute(
                text(
                    "INSERT INTO results (run_id, nodeid, module, outcome, setup, call,"
                    " teardown, duration) VALUES (1, :n, 'a.py', :o, '', :o, '', 0.5)"
                ),
                {"n": nodeid, "o": outcome},
            )
    assert stored_revision(engine) == "0001"
    engine.dispose()

    log = SessionLog(open_engine(location))
    assert stored_revision(log.engine) == HEAD_REVISION
    assert log.run(1).args == ["-q"]
    assert {n: o.outcome for n, o in log.outcomes(1).items()} == {
        "a.py::t1": "passed",
        "a.py::t2": "failed",
    }
    assert log.outcomes(1)["a.py::t2"].signature is None
    fix = log.add_fix("works on the new tables")  # the 0002 tables exist and are usable
    assert fix.before_run_id == 1
    log.close()


def test_a_database_that_is_not_cockpits_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE users (id INTEGER)")
    with pytest.raises(StoreError, match=r"not cockpit's \(it holds other tables: users\)"):
        open_engine(DatabaseLocation(f"sqlite:///{path}", "--db"))
    with sqlite3.connect(path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
    assert tables == ["users"]


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("shopping list\n" * 100)
    with pytest.raises(StoreError, match="not SQLite at all"):
        open_engine(DatabaseLocation(f"sqlite:///{path}", "--db"))
    assert path.read_text().startswith("shopping list")


def test_a_read_only_database(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    sqlite3.connect(path).close()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    with pytest.raises(StoreError, match="read-only"):
        open_engine(DatabaseLocation(url, "--db"))


def test_an_unreachable_server() -> None:
    location = DatabaseLocation("postgresql://nobody@127.0.0.1:1/cockpit", "--db")
    with pytest.raises(StoreError, match=r"cannot use the database .*Connection refused"):
        open_engine(location)


@pytest.mark.parametrize("url", ["not a url", "nosuchdialect://x/y"])
def test_a_bad_url(url: str) -> None:
    with pytest.raises(StoreError, match=r"not a database URL|no driver"):
        open_engine(DatabaseLocation(url, "--db"))


def test_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_engine(DatabaseLocation(f"sqlite:///{tmp_path / 'no' / 'x.db'}", "--db"))


def test_a_data_folder_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / ".cockpit").write_text("a file where the folder should be")
    with pytest.raises(StoreError, match=r"cannot create .*\.cockpit.*pass --db"):
        ensure_data_dir(tmp_path)


def test_the_data_folder_is_git_ignored(tmp_path: Path) -> None:
    data = ensure_data_dir(tmp_path)
    assert (data / ".gitignore").read_text().splitlines()[-1] == "*"


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = open_engine(DatabaseLocation(f"sqlite:///{tmp_path / 'c.db'}", "test"))
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    engine.dispose()
    assert create_engine  # the plain engine stays importable for the fixtures


def _files_of(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_another_applications_sqlite_file_is_left_byte_identical(
    tmp_path: Path, journal: str
) -> None:
    """Refused, and not a byte changed: no switch to WAL, no -wal or -shm file beside it."""
    folder = tmp_path / "app"
    folder.mkdir()
    path = folder / "app.db"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA journal_mode = {journal}")
    connection.execute("CREATE TABLE users (id INTEGER, name TEXT)")
    connection.execute("INSERT INTO users VALUES (1, 'ada')")
    connection.commit()
    connection.close()
    before = _files_of(folder)
    assert list(before) == ["app.db"]
    with pytest.raises(StoreError, match=r"not cockpit's \(it holds other tables: users\)"):
        open_engine(DatabaseLocation(f"sqlite:///{path}", "--db"))
    assert _files_of(folder) == before


def test_garbage_url_is_one_line() -> None:
    with pytest.raises(StoreError, match=r"'garbage://::x' \(--db\) is not a database URL"):
        open_engine(DatabaseLocation("garbage://::x", "--db"))


def test_a_read_only_database_fails_at_once(tmp_path: Path) -> None:
    """Told from lock contention: no retrying the WAL switch for ten seconds."""
    path = tmp_path / "ro.db"
    sqlite3.connect(path).close()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    started = time.monotonic()
    with pytest.raises(StoreError, match="read-only"):
        open_engine(DatabaseLocation(url, "--db"))
    assert time.monotonic() - started < 2.0


def test_a_locked_database_is_waited_for_not_called_read_only(tmp_path: Path) -> None:
    """Another process holds the write lock while the WAL switch is tried: cockpit waits."""
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.5, holder.execute, ("COMMIT",))
    release.start()
    try:
        engine = open_engine(DatabaseLocation(f"sqlite:///{path}", "--db"))
    finally:
        release.join()
        holder.close()
    assert stored_revision(engine) == HEAD_REVISION
    engine.dispose()
