"""Small runs against their bare baselines: what cockpit adds where a fix session lives.

Three ratios, each measured side by side (one warm-up of each side, then ``--rounds``
rounds, the order flipping every round, medians), all with recording on (the default):

- ``node``: cold ``cockpit run --json NODE`` against bare ``pytest -q NODE``, one test of a
  small backend whose tests import SQLAlchemy models (``bench/sqla_project.py``). Goal <= 1.05.
- ``suite2k``: ``cockpit run --json`` against bare ``pytest -q`` on 2,000 trivial tests in
  40 modules (``bench/gen_suite.py``). Goal <= 0.9.
- ``runs``: ``cockpit runs --json`` against ``cockpit --version`` on the session log the
  runs above wrote. Goal <= 2.

Both sides of a pair use this interpreter, the same folder and environment (the caller's
without ``PYTEST_*``, ``COCKPIT_*``, ``PYTHONDONTWRITEBYTECODE``, ``PYTHONUNBUFFERED``;
bytecode cached under ``bench/.work/pycache``), ``-p no:cacheprovider``, and output read
from drained pipes. Every pair's counts are checked against each other.

    python bench/bench_small_runs.py --rounds 7
    python bench/bench_small_runs.py --only node --rounds 11
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bench_run import (
    NO_CACHE,
    WORK_DIR,
    clean_env,
    cockpit_script,
    ensure_suite,
    machine_line,
    measure_process,
    parse_pytest_summary,
    source_line,
)
from gen_suite import SuiteSpec
from sqla_project import write_project

GOALS = {"node": 1.05, "suite2k": 0.9, "runs": 2.0}
NODE = "tests/test_orders.py::test_orders_03"


def timed(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, str, int]:
    wall, _cpu, completed = measure_process(argv, cwd, env)
    return wall, completed.stdout.decode("utf-8", "replace"), completed.returncode


def pair(
    label: str,
    rounds: int,
    first: Callable[[], tuple[float, str, int]],
    second: Callable[[], tuple[float, str, int]],
    check: Callable[[str, str], str | None],
) -> tuple[list[float], list[float], list[str]]:
    """Warm-up, then alternating rounds; (first walls, second walls, problems)."""
    walls: tuple[list[float], list[float]] = ([], [])
    problems: list[str] = []
    for index in range(rounds + 1):
        order = (0, 1) if index % 2 == 0 else (1, 0)
        results: dict[int, tuple[float, str, int]] = {}
        for side in order:
            results[side] = (first, second)[side]()
        problem = check(results[0][1], results[1][1])
        if problem:
            problems.append(f"{label} round {index}: {problem}")
        if index:  # round 0 is the warm-up
            walls[0].append(results[0][0])
            walls[1].append(results[1][0])
        print(
            f"  {label} {'warm-up' if not index else f'round {index}'}: "
            f"{results[0][0] * 1000:.0f} ms / {results[1][0] * 1000:.0f} ms",
            file=sys.stderr,
            flush=True,
        )
    return walls[0], walls[1], problems


def _same_counts(cockpit_out: str, pytest_out: str) -> str | None:
    try:
        totals = json.loads(cockpit_out)["totals"]
    except (ValueError, KeyError):
        return f"no JSON from cockpit: {cockpit_out[-300:]}"
    counts = parse_pytest_summary(pytest_out)
    if counts is None or any(totals[key] != value for key, value in counts.items()):
        return f"counts differ: cockpit {totals}, pytest {counts}"
    return None


def report(label: str, cockpit: list[float], base: list[float], problems: list[str]) -> float:
    ratio = statistics.median(cockpit) / statistics.median(base)
    paired = statistics.median(c / b for c, b in zip(cockpit, base, strict=True))
    goal = GOALS[label]
    print(
        f"{label}: median {statistics.median(cockpit) * 1000:.0f} ms against "
        f"{statistics.median(base) * 1000:.0f} ms: ratio {ratio:.3f} (per-round median "
        f"{paired:.3f}); goal <= {goal}: {'met' if ratio <= goal else 'NOT met'}"
    )
    for problem in problems:
        print(f"  problem: {problem}")
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", choices=sorted(GOALS), action="append")
    options = parser.parse_args(argv)
    wanted = options.only or list(GOALS)
    env = clean_env()
    cockpit = str(cockpit_script())
    python = sys.executable
    print(f"bench_small_runs {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(source_line())
    print(machine_line())
    sqla = WORK_DIR / "small" / "sqla"
    write_project(sqla)
    suite = WORK_DIR / "small" / "suite2k"
    ensure_suite(suite, SuiteSpec(tests=2000, modules=40), "bench_small_runs")
    run = [cockpit, "run", "--json", "--python", python, *NO_CACHE]
    bare = [python, "-m", "pytest", "-q", *NO_CACHE]
    failed = False
    if "node" in wanted:
        walls = pair(
            "node",
            options.rounds,
            lambda: timed([*run, NODE], sqla, env),
            lambda: timed([*bare, NODE], sqla, env),
            _same_counts,
        )
        report("node", *walls)
        failed = failed or bool(walls[2])
    if "suite2k" in wanted:
        walls = pair(
            "suite2k",
            options.rounds,
            lambda: timed(run, suite, env),
            lambda: timed(bare, suite, env),
            _same_counts,
        )
        report("suite2k", *walls)
        failed = failed or bool(walls[2])
    if "runs" in wanted:
        timed(run, sqla, env)  # at least one recorded run to list

        def listed(runs_out: str, version_out: str) -> str | None:
            if not version_out.startswith("cockpit ") or not json.loads(runs_out):
                return "no runs listed or no version printed"
            return None

        walls = pair(
            "runs",
            options.rounds,
            lambda: timed([cockpit, "runs", "--json"], sqla, env),
            lambda: timed([cockpit, "--version"], sqla, env),
            listed,
        )
        report("runs", *walls)
        failed = failed or bool(walls[2])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
