"""Affected-test selection: the graph on small real projects, and the rules that use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cockpit.watch.affected import AffectedSelector
from cockpit.watch.config import WatchConfig, WatchConfigError, load_config
from cockpit.watch.selection import Selection, Target
from tests.helpers import copy_project


@pytest.fixture
def graph_project(tmp_path: Path) -> Path:
    return copy_project("watch_graph", tmp_path)


@pytest.fixture
def dynamic_project(tmp_path: Path) -> Path:
    return copy_project("watch_dynamic", tmp_path)


def targets(selection: Selection) -> set[str]:
    assert not selection.everything, selection.why_everything
    return {target.path for target in selection.targets}


def reasons(selection: Selection, path: str) -> str:
    (target,) = [target for target in selection.targets if target.path == path]
    return "; ".join(target.reasons)


def test_a_source_module_selects_direct_transitive_and_conftest_importers(
    graph_project: Path,
) -> None:
    selection = AffectedSelector(graph_project).select([Path("app/core.py")])
    assert targets(selection) == {
        "tests/test_core.py",  # through the rootdir-relative `from helpers import three`
        "tests/test_util.py",  # through app.util
        "tests/api/test_api.py",  # its conftest imports app.util
    }
    assert reasons(selection, "tests/test_core.py") == "imports app.core through tests/helpers.py"
    assert "tests/api/conftest.py imports" in reasons(selection, "tests/api/test_api.py")
    assert selection.pytest_args[0] == "--ff"
    assert set(selection.pytest_args[1:]) == targets(selection)


def test_a_test_file_a_conftest_and_a_package_test_module(graph_project: Path) -> None:
    selector = AffectedSelector(graph_project)
    assert targets(selector.select([Path("tests/test_alone.py")])) == {"tests/test_alone.py"}
    assert targets(selector.select([Path("tests/api/conftest.py")])) == {"tests/api/test_api.py"}
    everything_under = targets(selector.select([Path("tests/conftest.py")]))
    assert everything_under == {
        "tests/test_core.py",
        "tests/test_util.py",
        "tests/test_alone.py",
        "tests/api/test_api.py",
        "tests/pkgtests/test_pkg.py",
    }
    # A relative import inside a test package, and its __init__.py.
    assert targets(selector.select([Path("tests/pkgtests/data.py")])) == {
        "tests/pkgtests/test_pkg.py"
    }
    assert targets(selector.select([Path("tests/pkgtests/__init__.py")])) == {
        "tests/pkgtests/test_pkg.py"
    }


@pytest.mark.parametrize("name", ["pyproject.toml", "setup.cfg", "tox.ini", "pytest.ini"])
def test_configuration_selects_everything(graph_project: Path, name: str) -> None:
    (graph_project / name).touch()
    selection = AffectedSelector(graph_project).select([Path(name)])
    assert selection.everything
    assert selection.why_everything == (f"{name} changed (pytest / project configuration)",)
    assert selection.pytest_args == ("--ff",)


def test_extra_files_go_to_their_mapped_tests_or_everything(graph_project: Path) -> None:
    selector = AffectedSelector(graph_project)
    mapped = selector.select([Path("data/config.json")])
    assert targets(mapped) == {"tests/test_core.py"}
    assert "[tool.cockpit.watch.map]" in reasons(mapped, "tests/test_core.py")
    unmapped = selector.select([Path("data/rows.csv")])
    assert unmapped.everything
    assert "extra file with no [tool.cockpit.watch.map] entry" in unmapped.why_everything[0]


def test_a_module_nothing_imports_widens_to_everything(graph_project: Path) -> None:
    selection = AffectedSelector(graph_project).select([Path("app/standalone.py")])
    assert selection.everything
    assert "nothing imports app/standalone.py statically" in selection.summary


def test_computed_imports_widen_and_plugin_strings_are_edges(dynamic_project: Path) -> None:
    selector = AffectedSelector(dynamic_project)
    selection = selector.select([Path("app/a.py")])
    # Nothing imports app.a statically, but app.loader imports by a computed name.
    assert targets(selection) == {"tests/test_loader.py"}
    assert "import_module() of a computed name" in reasons(selection, "tests/test_loader.py")
    # `pytest_plugins = ["app.fixtures"]` in the conftest is an import of app.fixtures.
    plugins = selector.select([Path("app/fixtures.py")])
    assert targets(plugins) == {"tests/test_b.py", "tests/test_loader.py"}
    assert "tests/conftest.py imports app.fixtures" in reasons(plugins, "tests/test_b.py")
    # A test module is loaded by pytest, not by a computed import: no widening for it.
    assert targets(selector.select([Path("tests/test_b.py")])) == {"tests/test_b.py"}


def test_mock_patch_strings_are_imports(graph_project: Path) -> None:
    alone = graph_project / "tests/test_alone.py"
    alone.write_text(
        "from unittest import mock\n\n\n"
        "def test_alone():\n"
        "    with mock.patch('app.standalone.print'):\n"
        "        pass\n"
    )
    selection = AffectedSelector(graph_project).select([Path("app/standalone.py")])
    assert targets(selection) == {"tests/test_alone.py"}


def test_the_graph_follows_edits_new_files_and_deletions(graph_project: Path) -> None:
    selector = AffectedSelector(graph_project)
    alone = graph_project / "tests/test_alone.py"
    assert "tests/test_alone.py" not in targets(selector.select([Path("app/util.py")]))

    alone.write_text("from app.util import double\n\n\ndef test_alone():\n    assert double(1)\n")
    selector.select([alone])
    assert "tests/test_alone.py" in targets(selector.select([Path("app/util.py")]))

    # An import of a module that does not exist yet resolves once the file appears.
    alone.write_text("from app.extra import X\n\n\ndef test_alone():\n    assert X\n")
    selector.select([alone])
    extra = graph_project / "app/extra.py"
    extra.write_text("X = 1\n")
    assert targets(selector.select([extra])) == {"tests/test_alone.py"}

    # A deleted module still selects its importers (they now fail to import).
    extra.unlink()
    assert targets(selector.select([extra])) == {"tests/test_alone.py"}
    assert "app/extra.py" not in {selector.graph.relative(p) for p in selector.graph.nodes}


def test_a_syntax_error_keeps_the_importers_and_says_so(graph_project: Path) -> None:
    selector = AffectedSelector(graph_project)
    util = graph_project / "app/util.py"
    util.write_text("def double(x:\n")
    selection = selector.select([util])
    assert targets(selection) == {"tests/test_util.py", "tests/api/test_api.py"}
    assert "SyntaxError at line 1" in reasons(selection, "tests/test_util.py")


def test_last_failures_are_selected_and_come_first(graph_project: Path) -> None:
    selection = AffectedSelector(graph_project).select(
        [Path("tests/test_alone.py")],
        last_failed=["tests/test_util.py::test_double", "tests/gone.py::test_x"],
    )
    assert [t.path for t in selection.targets] == ["tests/test_util.py", "tests/test_alone.py"]
    assert selection.targets[0].failed_last
    assert selection.pytest_args == ("--ff", "tests/test_util.py", "tests/test_alone.py")
    assert "1 test failed last time" in reasons(selection, "tests/test_util.py")


def test_nothing_affected_runs_nothing(graph_project: Path) -> None:
    (graph_project / "pyproject.toml").write_text(
        '[tool.cockpit.watch]\nignore = ["app/standalone.py"]\n'
    )
    selection = AffectedSelector(graph_project).select([Path("app/standalone.py")])
    assert selection.is_empty and selection.pytest_args == ()
    assert selection.summary.startswith("no tests affected: app/standalone.py is ignored")


def test_union_keeps_both_sides_and_everything_wins() -> None:
    first = Selection(targets=(Target("tests/a.py", ("x",)),), changed=("a",))
    second = Selection(
        targets=(Target("tests/a.py", ("y",)), Target("tests/b.py", ("z",), failed_last=True)),
        changed=("b",),
    )
    both = first.union(second)
    assert [(t.path, t.reasons, t.failed_last) for t in both.targets] == [
        ("tests/b.py", ("z",), True),
        ("tests/a.py", ("x", "y"), False),
    ]
    assert both.changed == ("a", "b")
    wide = both.union(Selection(everything=True, why_everything=("pyproject.toml changed",)))
    assert wide.everything and wide.pytest_args == ("--ff",)


def test_config_errors_are_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.cockpit.watch]\nextras = []\n")
    with pytest.raises(WatchConfigError, match="unknown keys \\['extras'\\]"):
        load_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.cockpit.watch.map]\n"*.sql" = 3\n')
    with pytest.raises(WatchConfigError, match="must be a list of strings"):
        load_config(tmp_path)
    assert load_config(tmp_path / "missing-is-fine") == WatchConfig()


def test_scans_are_cached_between_sessions_and_follow_edits(graph_project: Path) -> None:
    AffectedSelector(graph_project)
    cache = graph_project / ".cockpit" / "watch-scans.json"
    assert "app/util.py" in json.loads(cache.read_text())["files"]
    assert (graph_project / ".cockpit" / ".gitignore").is_file()

    alone = graph_project / "tests/test_alone.py"
    alone.write_text("import app.util\n\n\ndef test_alone():\n    assert app.util\n")
    # A new session: the edited file is scanned again, the others come from the cache.
    selection = AffectedSelector(graph_project).select([Path("app/util.py")])
    assert "tests/test_alone.py" in targets(selection)
    cache.write_text("{not json")
    assert "tests/test_alone.py" in targets(
        AffectedSelector(graph_project).select([Path("app/util.py")])
    )
