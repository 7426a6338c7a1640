"""The app's ``f`` (rerun the failing tests, forked from the warm server) against a cold
``cockpit run --lf`` of the same tests, side by side.

The app (``CockpitApp`` in Textual's headless pilot, recording into its session log, warm
starts on) is opened on the small SQLAlchemy backend of ``bench/sqla_project.py`` with
three tests made to fail (one per test file of three), runs the whole suite once (``a``),
and waits for its warm server to have restarted with what that run imported. Then, per
round, in alternating order: ``f`` in the app, timed from the key press to the end of its
run (every failing test rerun and shown), and ``cockpit run --json --lf`` as a subprocess
(cold, recording on: the command a user would type), timed start to exit, on the same
three failures (cockpit's own pytest cache, so ``--lf`` selects the same tests). The goal:
median(app ``f``) / median(``cockpit run --lf``) at most 0.5.

    python bench/bench_app_rerun.py --rounds 7
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_run import WORK_DIR, clean_env, cockpit_script, machine_line, source_line
from sqla_project import write_project

from cockpit.app.app import CockpitApp
from cockpit.app.views.workspace import Workspace
from cockpit.session.project import Project

GOAL = 0.5
FAILING = ("tests/test_orders.py", "tests/test_customers.py", "tests/test_totals.py")


def prepare() -> Path:
    tree = WORK_DIR / "app-rerun" / "sqla"
    write_project(tree)
    for relative in FAILING:
        path = tree / relative
        path.write_text(path.read_text() + "\n\ndef test_planted_failure():\n    assert 1 == 2\n")
    return tree


async def wait_until(condition: object, pilot: object, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the app never got there")
        await pilot.pause(0.005)  # type: ignore[attr-defined]


async def app_rounds(
    tree: Path, rounds: int, env: dict[str, str]
) -> tuple[list[float], list[float]]:
    project = Project.resolve(tree, python=sys.executable, runs_tests=True)
    app = CockpitApp(Workspace(project, warm=True))
    app_walls: list[float] = []
    cli_walls: list[float] = []
    cockpit = str(cockpit_script())
    lf = [cockpit, "run", "--json", "--lf", "--python", sys.executable]
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: app.log_ready, pilot)
        await pilot.press("a")
        await wait_until(lambda: app.active is None and app.ending is not None, pilot)

        def warm_ready() -> bool:
            warm = app.warm
            return warm is not None and warm.server is not None and warm.server.alive

        for index in range(rounds + 1):
            order = ("app", "cli") if index % 2 == 0 else ("cli", "app")
            for side in order:
                if side == "app":
                    await wait_until(warm_ready, pilot)
                    await pilot.pause(0.3)
                    started = time.perf_counter()
                    await pilot.press("f")
                    await wait_until(lambda: app.active is not None, pilot)
                    await wait_until(lambda: app.active is None, pilot)
                    wall = time.perf_counter() - started
                    view = app.view
                    failed = view.state.totals.failed if view else -1
                    assert failed == len(FAILING), f"the app's f run had {failed} failures"
                    if index:
                        app_walls.append(wall)
                else:
                    started = time.perf_counter()
                    completed = await asyncio.to_thread(
                        subprocess.run, lf, cwd=tree, env=env, capture_output=True
                    )
                    wall = time.perf_counter() - started
                    assert completed.returncode == 1, completed.stderr
                    if index:
                        cli_walls.append(wall)
                label = "warm-up" if not index else f"round {index}"
                print(f"  {label} {side}: {wall * 1000:.0f} ms", file=sys.stderr, flush=True)
        await app.action_quit_cockpit()
    return app_walls, cli_walls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args(argv)
    print(f"bench_app_rerun {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(source_line())
    print(machine_line())
    env = clean_env()
    os.environ.clear()  # the app's runs and warm server get what the command gets
    os.environ.update(env)
    tree = prepare()
    app_walls, cli_walls = asyncio.run(app_rounds(tree, options.rounds, env))
    app_median, cli_median = statistics.median(app_walls), statistics.median(cli_walls)
    ratio = app_median / cli_median
    print(
        f"app f: median {app_median * 1000:.0f} ms (n={len(app_walls)}); cockpit run --lf: "
        f"median {cli_median * 1000:.0f} ms; ratio {ratio:.3f}; goal <= {GOAL}: "
        f"{'met' if ratio <= GOAL else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
