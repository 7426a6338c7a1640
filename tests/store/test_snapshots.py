"""Snapshots: the project's files as each run saw them, read only when they changed, stored
once per content, and compared between runs (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path

from cockpit.store.rows import FileChange
from cockpit.store.session_log import SessionLog
from cockpit.store.snapshots import MAX_KEPT_BYTES, manifest_of, read_project_files
from tests.helpers import cockpit_json, copy_project, open_log


def write(path: Path, text: str, mtime_ns: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    write(root / "app" / "__init__.py", "", 1_000)
    write(root / "app" / "util.py", "def join(parts):\n    return ''.join(parts)\n", 1_000)
    write(root / "tests" / "test_util.py", "from app.util import join\n", 1_000)
    write(root / "pytest.ini", "[pytest]\n", 1_000)
    write(root / "README.md", "not source\n", 1_000)
    write(root / ".venv" / "lib" / "x.py", "ignored\n", 1_000)
    return root


def test_only_the_files_changed_since_the_last_snapshot_are_read(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = read_project_files(root, {})
    assert sorted(first.states) == [
        "app/__init__.py",
        "app/util.py",
        "pytest.ini",
        "tests/test_util.py",
    ]
    assert len(first.read) == 4  # the empty __init__.py has a digest of its own
    again = read_project_files(root, first.states)
    assert again.read == {}
    assert again.states == first.states
    assert again.fingerprint == first.fingerprint

    write(root / "app" / "util.py", "def join(parts):\n    return ' '.join(parts)\n", 2_000)
    (root / "tests" / "test_util.py").unlink()
    changed = read_project_files(root, again.states)
    assert list(changed.read.values()) == [b"def join(parts):\n    return ' '.join(parts)\n"]
    assert "tests/test_util.py" not in changed.states
    assert changed.fingerprint != first.fingerprint
    assert manifest_of(changed.states) != manifest_of(first.states)


def test_a_touched_file_is_read_again_and_keeps_its_digest(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = read_project_files(root, {})
    os.utime(root / "app" / "util.py", ns=(5_000, 5_000))
    touched = read_project_files(root, first.states)
    assert len(touched.read) == 1
    assert touched.states["app/util.py"].digest == first.states["app/util.py"].digest
    assert manifest_of(touched.states) == manifest_of(first.states)


def begin(log: SessionLog) -> int:
    return log.begin_run([], whole_suite=True, selection_reason="all", interpreter="py")


def test_runs_that_saw_the_same_files_share_a_snapshot(log: SessionLog, tmp_path: Path) -> None:
    root = project(tmp_path)
    first_run, second_run = begin(log), begin(log)
    files = read_project_files(root, log.last_snapshot_files())
    shared = log.record_snapshot(first_run, files)
    again = read_project_files(root, log.last_snapshot_files())
    assert again.read == {}  # the stat cache is the last snapshot
    assert log.record_snapshot(second_run, again) == shared
    assert log.changed_files(first_run, second_run) == []
    assert log.run_files(first_run) == {path: s.digest for path, s in files.states.items()}


def test_a_change_between_two_runs_keeps_both_contents(log: SessionLog, tmp_path: Path) -> None:
    root = project(tmp_path)
    before_run, after_run, unrecorded = begin(log), begin(log), begin(log)
    log.record_snapshot(before_run, read_project_files(root, log.last_snapshot_files()))
    write(root / "app" / "util.py", "def join(parts):\n    return ' '.join(parts)\n", 2_000)
    write(root / "app" / "new.py", "X = 1\n", 2_000)
    (root / "pytest.ini").unlink()
    log.record_snapshot(after_run, read_project_files(root, log.last_snapshot_files()))

    changes = log.changed_files(before_run, after_run)
    assert changes is not None
    assert [(c.path, c.before is None, c.after is None) for c in changes] == [
        ("app/new.py", True, False),
        ("app/util.py", False, False),
        ("pytest.ini", False, True),
    ]
    util = next(change for change in changes if change.path == "app/util.py")
    assert isinstance(util, FileChange) and util.before and util.after
    assert log.file_content(util.before) == b"def join(parts):\n    return ''.join(parts)\n"
    assert log.file_content(util.after) == b"def join(parts):\n    return ' '.join(parts)\n"
    assert log.changed_files(before_run, unrecorded) is None  # no snapshot: unknown


def test_a_file_over_the_cap_keeps_its_digest_only(log: SessionLog, tmp_path: Path) -> None:
    root = project(tmp_path)
    write(root / "app" / "big.py", "#" * (MAX_KEPT_BYTES + 1) + "\n", 1_000)
    run_id = begin(log)
    files = read_project_files(root, {})
    log.record_snapshot(run_id, files)
    digest = files.states["app/big.py"].digest
    assert log.file_content(digest) is None
    assert log.file_content(files.states["app/util.py"].digest) is not None


def test_cockpit_run_records_what_each_run_saw(tmp_path: Path) -> None:
    project_dir = copy_project("sqla_missing_import", tmp_path)
    code, first = cockpit_json("--project", str(project_dir), cwd=project_dir)
    assert code == 1, first
    models = project_dir / "app" / "models" / "__init__.py"
    models.write_text(models.read_text() + "\n# edited\n", encoding="utf-8")
    code, second = cockpit_json("--project", str(project_dir), cwd=project_dir)
    log = open_log(project_dir)
    try:
        changes = log.changed_files(first["run_id"], second["run_id"])
        assert changes is not None
        assert [change.path for change in changes] == ["app/models/__init__.py"]
        after = changes[0].after
        assert after is not None
        content = log.file_content(after)
        assert content is not None and content.endswith(b"# edited\n")
    finally:
        log.close()
