"""The run header's lines fit their width and say their numbers right (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.app.views.marks import pass_rate
from cockpit.app.views.run_view import RunView
from cockpit.app.widgets.run_header import (
    counts_text,
    first_line,
    project_label,
    project_room,
    status_text,
)
from cockpit.engine.state import recorded_state


def recorded(**counts: int) -> RunView:
    rows = [
        (f"tests/test_{outcome}.py::test_{index}", f"tests/test_{outcome}.py", outcome, 0.01)
        for outcome, count in counts.items()
        for index in range(count)
    ]
    return RunView(recorded_state(rows), reason="the whole suite", run_id=3)


DEMO = {"passed": 42, "failed": 86, "error": 109, "skipped": 2, "xfailed": 1}


@pytest.mark.parametrize("width", [40, 53, 64, 94, 140])
def test_the_counts_fit_and_keep_every_number(width: int) -> None:
    text = counts_text(recorded(**DEMO), width=width).plain
    assert len(text) <= width or width < 45
    for number in ("42", "86", "109", "2", "1"):
        assert f" {number}" in text


def test_the_counts_take_shorter_words_only_when_they_must() -> None:
    view = recorded(**DEMO)
    assert "109 errors  s 2 skipped  x 1 xfailed" in counts_text(view, width=94).plain
    assert counts_text(view, width=53).plain == "✔ 42 pass ✘ 86 fail E 109 err s 2 skip x 1 xf"


def test_one_of_a_kind_is_said_in_the_singular() -> None:
    text = counts_text(recorded(passed=1, failed=1, error=1), width=200).plain
    assert "1 passed" in text and "1 failed" in text and "1 error" in text
    assert "1 errors" not in text


def test_the_status_line_cuts_the_selection_before_the_outcome_and_the_time() -> None:
    view = recorded(passed=1)
    view.reason = "watch: app/models/__init__.py, app/models/tag.py and 3 more files changed"
    full = status_text(
        view, running=False, ending="passed", elapsed=1.5, filters="-k not slow", watching=True
    ).plain
    assert full.startswith("✔ passed run 3 watch: app/models") and full.endswith("◉ watching")
    cut = status_text(
        view,
        running=False,
        ending="passed",
        elapsed=1.5,
        filters="-k not slow",
        watching=True,
        width=62,
    ).plain
    assert len(cut) <= 62 and "…" in cut
    assert cut.startswith("✔ passed run 3 watch") and "1.50s" in cut and "◉ watching" in cut


def test_the_project_path_keeps_its_last_folder_at_the_right() -> None:
    project = "/home/dev/src/shop-backend"
    status = status_text(
        recorded(passed=1),
        running=False,
        ending="passed",
        elapsed=1.0,
        filters="",
        watching=False,
        width=78 - project_room(project),
    )
    line = first_line(status, project, 78).plain
    assert len(line) == 78 and line.endswith("/home/dev/src/shop-backend")
    longer = status.copy() + "x" * (78 - project_room(project) - status.cell_len)
    tight = first_line(longer, project, 78).plain
    assert len(tight) <= 78 and tight.endswith("…/shop-backend")


def test_the_project_under_home_is_said_from_home() -> None:
    assert project_label(Path.home() / "src" / "shop") == "~/src/shop"
    assert project_label(Path("/srv/shop")) == "/srv/shop"


def test_a_module_with_skips_and_no_failure_reads_100_percent() -> None:
    state = recorded_state(
        [
            ("a.py::t1", "a.py", "passed", 0.1),
            ("a.py::t2", "a.py", "skipped", 0.0),
            ("b.py::t1", "b.py", "passed", 0.1),
            ("b.py::t2", "b.py", "failed", 0.1),
            ("c.py::t1", "c.py", "skipped", 0.0),
            ("d.py::t1", "d.py", "xfailed", 0.1),
        ]
    )
    tallies = state.modules
    assert tallies["a.py"].status == "passed" and pass_rate(tallies["a.py"]) == "100%"
    assert pass_rate(tallies["b.py"]) == "50%"
    assert pass_rate(tallies["c.py"]) == "-"  # nothing ran
    assert pass_rate(tallies["d.py"]) == "100%"  # an expected failure is not a failure
