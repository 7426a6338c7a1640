"""The headless view's module table stays readable on an 80-column terminal."""

from __future__ import annotations

from rich.console import Console

from cockpit.cli.headless import module_table, shorten_left
from cockpit.engine.events import CollectedItem, CollectionFinished
from cockpit.engine.state import RunState


def test_paths_are_cut_from_the_left_keeping_the_file_name() -> None:
    assert shorten_left("tests/test_pricing.py", 30) == "tests/test_pricing.py"
    assert shorten_left("backend/app/tests/integration/test_pricing.py", 16) == "…test_pricing.py"


def test_one_line_per_module_at_80_columns() -> None:
    state = RunState()
    paths = ["tests/test_pricing.py", "backend/app/tests/integration/test_approvals_routes.py"]
    state.apply(CollectionFinished(tuple(CollectedItem(f"{p}::t", p, None) for p in paths)))
    console = Console(width=80, record=True, color_system=None)
    console.print(module_table(state, width=80))
    lines = console.export_text().splitlines()
    assert len(lines) == 2 + len(paths)  # header, rule, one row each
    assert all(len(line) <= 80 for line in lines)
    assert "test_approvals_routes.py" in lines[-1] or "test_approvals_routes.py" in lines[-2]
