"""Keys answered while the app opens a run record or rebuilds the import graph.

Issue 10: the app used to open each run's record on its event loop (a database insert and
a walk of the project tree for the run's source fingerprint) and, under watch, to rebuild
the whole import graph there when a package appeared or ``pyproject.toml`` changed. Both
now run in threads. This script checks what the user feels: the real ``CockpitApp`` in
Textual's headless pilot, recording into a real SQLite session log, on a project whose
tree is large (``--files`` Python files in nested packages beside a small test suite), with
``bench_app.py``'s key thread sending a key every ``--key-every`` seconds through the
driver, as a terminal's input thread does. Two windows per round:

- **run starts**: ``a`` pressed ``--starts`` times, each waiting for its run to end (each
  opens a record, walks the tree, records, finishes);
- **graph rebuilds**: watch on (``w``), then ``--rebuilds`` times a new package appears
  (an ``__init__.py`` written in a new folder), which rebuilds the graph and starts a run.

For scale it also times the blocking work itself, in this process: the source fingerprint
of the tree, and a graph rebuild. Each key's latency is from the moment it was sent to the
repaint after its action ran ("painted"); the bar is every key within 100 ms. Exits 1 if a
key went unanswered or a run did not record.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from bench_app import KEY_BAR_MS, KeyProbe, KeySender, Spread, instrument, percentile
from bench_run import WORK_DIR, machine_line, source_line

from cockpit.app.app import CockpitApp
from cockpit.app.views.workspace import Workspace
from cockpit.session.project import Project
from cockpit.store.sources import source_digest
from cockpit.watch.affected import AffectedSelector

KEYS = ("down", "up")
PROJECT = WORK_DIR / "blocking-project"


def make_project(files: int) -> Path:
    """A project with ``files`` modules in nested packages and a 20-test suite."""
    marker = PROJECT / f".made-{files}"
    if marker.exists():
        return PROJECT
    if PROJECT.exists():
        import shutil

        shutil.rmtree(PROJECT)
    (PROJECT / "tests").mkdir(parents=True)
    (PROJECT / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    per_package = 50
    for index in range(files):
        package = PROJECT / "app" / f"pkg{index // per_package:03d}"
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").touch()
        previous = f"from app.pkg{index // per_package:03d} import m{index - 1}\n" if index else ""
        (package / f"m{index}.py").write_text(f"{previous}VALUE = {index}\n")
    (PROJECT / "app" / "__init__.py").touch()
    tests = "\n".join(f"def test_{n}():\n    assert {n} == {n}\n" for n in range(20))
    (PROJECT / "tests" / "test_small.py").write_text("from app.pkg000 import m0\n\n" + tests)
    marker.touch()
    return PROJECT


def make_app(project: Path) -> CockpitApp:
    resolved = Project.resolve(project, python=sys.executable, runs_tests=True)
    return CockpitApp(Workspace(resolved, extra_args=("-p", "no:randomly")), open_log=True)


async def wait_runs(app: CockpitApp) -> None:
    for _ in range(400):
        await asyncio.sleep(0.05)
        if app.active is None and not any(w.group == "run" and w.is_running for w in app.workers):
            return


async def session(project: Path, starts: int, rebuilds: int, key_every: float) -> KeyProbe:
    app = make_app(project)
    probe = KeyProbe()
    async with app.run_test(size=(160, 45)) as pilot:
        for _ in range(100):  # the log opens in a thread
            await pilot.pause(0.05)
            if app.log_ready:
                break
        driver = app._driver
        assert driver is not None
        instrument(app, probe)
        sender = KeySender(driver, probe, key_every, KEYS)
        probe.window = "run starts"
        sender.start()
        try:
            for _ in range(starts):
                await pilot.press("a")
                await wait_runs(app)
            probe.window = "graph rebuilds"
            await pilot.press("w")
            await pilot.pause(1.0)  # the graph is built and the watch in place
            for index in range(rebuilds):
                package = project / "app" / f"new{index}"
                package.mkdir(exist_ok=True)
                (package / "__init__.py").write_text("")
                await pilot.pause(0.3)
                await wait_runs(app)
        finally:
            sender.stop()
        deadline = time.perf_counter() + 5
        while probe.unanswered() and time.perf_counter() < deadline:
            await pilot.pause(0.05)
        await app.action_quit_cockpit()
    for index in range(rebuilds):
        package = project / "app" / f"new{index}"
        (package / "__init__.py").unlink(missing_ok=True)
        package.rmdir()
    return probe


def blocking_work(project: Path) -> tuple[float, float]:
    """Median seconds of one source fingerprint and one graph rebuild of the project."""
    digests, builds = [], []
    selector = AffectedSelector(project)
    for _ in range(5):
        started = time.perf_counter()
        source_digest(project)
        digests.append(time.perf_counter() - started)
        started = time.perf_counter()
        selector.graph = selector._build()
        builds.append(time.perf_counter() - started)
    return statistics.median(digests), statistics.median(builds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", type=int, default=3000, help="Python files in the tree (3000)")
    parser.add_argument("--starts", type=int, default=6, help="runs started per round (6)")
    parser.add_argument("--rebuilds", type=int, default=4, help="graph rebuilds per round (4)")
    parser.add_argument("--key-every", type=float, default=0.05, help="seconds between keys")
    options = parser.parse_args(argv)
    print(machine_line())
    print(source_line())
    project = make_project(options.files)
    digest, build = blocking_work(project)
    print(
        f"the work that used to run on the loop, median of 5: source fingerprint "
        f"{digest * 1000:.1f} ms, graph rebuild {build * 1000:.1f} ms ({options.files} files)"
    )
    painted: dict[str, list[float]] = {}
    failures = 0
    for number in range(1, options.rounds + 1):
        probe = asyncio.run(session(project, options.starts, options.rebuilds, options.key_every))
        failures += probe.unanswered()
        print(f"\nround {number}")
        for window, values in probe.painted.items():
            painted.setdefault(window, []).extend(values)
            print(Spread.of(values).row(f"key painted, {window}"))
    print("\n== all rounds")
    for window, values in painted.items():
        over = sum(value * 1000 > KEY_BAR_MS for value in values)
        worst = max(values) * 1000 if values else float("nan")
        p95 = percentile([v * 1000 for v in values], 0.95) if values else float("nan")
        verdict = "met" if not over else "NOT met"
        print(
            f"keys during {window}: {len(values)} keys, p95 {p95:.1f} ms, max {worst:.1f} ms, "
            f"{over} over {KEY_BAR_MS:.0f} ms ({verdict})"
        )
    if failures:
        print(f"{failures} keys were never answered")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
