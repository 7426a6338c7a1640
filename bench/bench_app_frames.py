"""What one frame of the app costs after each kind of change it makes during a run.

What it measures, and why: ``bench_app.py`` shows the app's loop busy in long chunks during
a run; this script says which changes make the chunks. It runs ``bench_app.py``'s 10,000-test
suite once in the app (headless pilot), so the real run is on screen, and then, with no run
going, applies one kind of change at a time, as the app's 250 ms repaint tick or a key
would, and times two things: from the change to the end of the next screen refresh
(``call_after_refresh``), and the time spent inside the screen's refresh itself
(``Screen._on_timer_update``: layout, then rendering every line of every widget marked
dirty). Rounds alternate over the changes; it prints the median and 90th percentile of each.

The changes: nothing (the floor), the run header (``RunHeader.show``), one cell of the module
table (``RowTable.set_row`` with one cell changed), one and five module rows
(``ModuleTable.refresh_modules``, which also re-sorts), rebuilding the test table
(``_show_tests``) and the module table's cursor moving down and back up (the actions
behind two keys).

It exits 1 if the run on screen does not hold the suite's 10,000 passed tests.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_app import make_app, percentile
from bench_run import WORK_DIR, ensure_suite, machine_line, source_line
from gen_suite import SuiteSpec
from rich.text import Text
from textual.screen import Screen

from cockpit.app.app import CockpitApp
from cockpit.app.widgets.module_table import ModuleTable

FRAMES: list[float] = []
_REFRESH = Screen._on_timer_update


def _timed_refresh(screen: Screen[object]) -> None:
    started = time.perf_counter()
    _REFRESH(screen)
    FRAMES.append(time.perf_counter() - started)


def changes(app: CockpitApp) -> dict[str, Callable[[int], object]]:
    """Each kind of change, applied to the ``i``-th of the rows on screen."""
    table = app.query_one(ModuleTable)

    def row(index: int) -> str:
        return table.row_keys[index % 20]

    def rows_changed(index: int, count: int) -> None:
        """``count`` modules whose time changed, as a live run's results change them."""
        assert app.view is not None
        keys = [row(index + k) for k in range(count)]
        for key in keys:
            app.view.state.modules[key].duration += 0.01
        table.refresh_modules(keys)

    def one_cell(index: int) -> None:
        key = row(index)
        cells = list(table.cells(key))
        cells[2] = Text(str(index))  # the "pass" column
        table.set_row(key, cells)

    def down_and_up() -> None:
        table.action_cursor_down()
        table.action_cursor_up()

    return {
        "nothing": lambda i: None,
        "run header": lambda i: app._header(),
        "1 module-table cell, no sort": one_cell,
        "1 module row, sorted": lambda i: rows_changed(i, 1),
        "5 module rows, sorted": lambda i: rows_changed(i, 5),
        "test table rebuilt": lambda i: app._show_tests(table.selected_module),
        "cursor down and up": lambda i: down_and_up(),
    }


async def measure(suite: Path, spec: SuiteSpec, rounds: int, size: tuple[int, int]) -> int:
    app = make_app(suite)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("a")
        for worker in list(app.workers):
            if worker.group == "run":
                await worker.wait()
        await pilot.pause(0.5)
        view = app.view
        passed = view.state.totals.passed if view else 0
        print(f"bench_app_frames: the run on screen: {passed} passed")
        kinds = changes(app)
        latency: dict[str, list[float]] = {name: [] for name in kinds}
        inside: dict[str, list[float]] = {name: [] for name in kinds}
        loop = asyncio.get_running_loop()
        for index in range(rounds):
            for name, change in kinds.items():
                await pilot.pause(0.05)
                FRAMES.clear()
                painted: asyncio.Future[float] = loop.create_future()
                started = time.perf_counter()
                change(index)
                app.call_after_refresh(
                    lambda done=painted: done.done() or done.set_result(time.perf_counter())
                )
                latency[name].append((await painted - started) * 1000)
                inside[name].append(sum(FRAMES) * 1000)
        await app.action_quit_cockpit()
    print(f"\n{'ms':<30} {'to painted p50':>15} {'p90':>7} {'in refresh p50':>15} {'p90':>7}")
    for name in kinds:
        print(
            f"{name:<30} {statistics.median(latency[name]):15.1f} "
            f"{percentile(latency[name], 0.9):7.1f} {statistics.median(inside[name]):15.1f} "
            f"{percentile(inside[name], 0.9):7.1f}"
        )
    return 0 if passed == spec.tests else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15, help="rounds over the changes (15)")
    options = parser.parse_args(argv)
    spec = SuiteSpec()
    suite = (WORK_DIR / "app" / f"suite{spec.tests}-{spec.modules}m").resolve()
    print(f"bench_app_frames: {machine_line()}")
    print(f"bench_app_frames: {source_line()}")
    ensure_suite(suite, spec, label="bench_app_frames")
    Screen._on_timer_update = _timed_refresh  # type: ignore[method-assign,assignment]
    code = asyncio.run(measure(suite, spec, options.rounds, (120, 36)))
    print(f"\nbench_app_frames: done {machine_line()}")
    return code


if __name__ == "__main__":
    sys.exit(main())
