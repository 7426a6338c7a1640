"""Fixtures the app's pilot tests share: a config folder of their own, a broken project."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import copy_project


@pytest.fixture
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never the developer's config or session-log URL."""
    monkeypatch.setenv("COCKPIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("COCKPIT_DB_URL", raising=False)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A SQLAlchemy app with one missing model import: 10 failed, 10 errors, 5 passed."""
    return copy_project("app_small", tmp_path)
