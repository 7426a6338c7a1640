"""Fixtures shared by cockpit's tests: session logs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from cockpit.store.database import DatabaseLocation, open_engine
from cockpit.store.session_log import SessionLog

PG_URL_ENV = "COCKPIT_TEST_PG_URL"


class FakeClock:
    """A clock the test moves, so stored times are exact."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cockpit.db'}"
    url = os.environ.get(PG_URL_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide a PostgreSQL server in ${PG_URL_ENV} (.ci/postgres.sh)")
        pytest.skip(f"no PostgreSQL server: set ${PG_URL_ENV} (bash .ci/postgres.sh prints one)")
    reset_postgres(url)
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def log(db_url: str, clock: FakeClock) -> Iterator[SessionLog]:
    session_log = SessionLog(open_engine(DatabaseLocation(db_url, "test")), clock)
    yield session_log
    session_log.close()


@pytest.fixture(autouse=True)
def _keep_the_snapshot_report_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytester's in-process runs start pytest-textual-snapshot's session again; it points
    $TEXTUAL_SNAPSHOT_TEMPDIR at a folder of its own and deletes it when it ends, and the
    outer session then fails on the missing folder, hiding pytest's closing line. Each test
    gets the outer value back when it ends."""
    value = os.environ.get("TEXTUAL_SNAPSHOT_TEMPDIR")
    if value is not None:
        monkeypatch.setenv("TEXTUAL_SNAPSHOT_TEMPDIR", value)
