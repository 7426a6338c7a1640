"""How ``cockpit watch`` turns a selection into pytest arguments for the user's scope."""

from __future__ import annotations

from pathlib import Path

from cockpit.cli.watch import scoped_args, split_scope
from cockpit.watch.selection import Selection, Target


def selection(*paths: str) -> Selection:
    return Selection(targets=tuple(Target(path, ("x",)) for path in paths))


def test_split_scope_keeps_options_and_their_values_apart_from_paths(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    options, scope = split_scope(["-k", "tests", "tests", "-q", "tests::x", "nowhere"], tmp_path)
    assert options == ["-k", "tests", "-q", "nowhere"]
    assert scope == ["tests", "tests::x"]


def test_scoped_args_filter_by_scope_and_follow_the_working_folder(tmp_path: Path) -> None:
    chosen = selection("api/tests/test_a.py", "web/tests/test_b.py")
    assert scoped_args(chosen, [], True, tmp_path, tmp_path) == [
        "--ff",
        "api/tests/test_a.py",
        "web/tests/test_b.py",
    ]
    assert scoped_args(chosen, ["api/"], False, tmp_path, tmp_path) == ["api/tests/test_a.py"]
    # pytest runs in api/: paths relative to it, or absolute outside it.
    assert scoped_args(chosen, [], False, tmp_path, tmp_path / "api") == [
        "tests/test_a.py",
        str(tmp_path / "web/tests/test_b.py"),
    ]
    assert scoped_args(chosen, ["docs"], True, tmp_path, tmp_path) == []
    everything = Selection(everything=True, why_everything=("pyproject.toml changed",))
    assert scoped_args(everything, ["api"], True, tmp_path, tmp_path) == ["--ff", "api"]
    assert scoped_args(Selection(), [], True, tmp_path, tmp_path) == []
