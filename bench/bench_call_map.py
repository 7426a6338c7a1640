"""Precise affected tests (the call map) on real projects: recall, precision, rerun, cost.

For each project (an sdist that ships its tests, see ``bench_watch_common``):

1. **Building the map**: bare ``pytest -q``, a traced ``cockpit run`` (the map rebuilt each
   round) and pytest-testmon's first run (``--testmon`` on a fresh ``.testmondata``), in
   alternating order, ``--rounds`` times; the medians as ratios to the bare run.
2. **Mutations, one function at a time**: for up to ``--per-module`` functions of every
   module of the package (evenly spaced in the file), the first statement of that one
   body becomes ``raise RuntimeError(...)``. The whole suite runs to learn which tests
   fail; cockpit's selection for the one changed file (the call map of the last traced
   run) and pytest-testmon's (from the pristine ``.testmondata`` each time) are compared
   with them. Then each tool's rerun of its selection is timed: ``cockpit run`` of the
   selection's arguments (untraced, as watch runs it) against ``pytest --testmon``.

    python bench/bench_call_map.py                       # itsdangerous, tomlkit, jinja2
    python bench/bench_call_map.py --projects tomlkit --per-module 3
    python bench/bench_call_map.py --cost-only --rounds 5  # building the map only

Exit status 1 when cockpit misses a failing test on any mutation.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench_watch_common import PROJECTS, WORK, Project, commit, ensure_venv, fresh_copy, log
from bench_watch_common import project_env as common_env
from bench_watch_recall import MUTATION, file_of, pytest_run, restore_testmon, save_testmon

from cockpit.settings import DatabaseLocation
from cockpit.store.session_log import SessionLog
from cockpit.watch.affected import AffectedSelector
from cockpit.watch.selection import Selection

COCKPIT = Path(sys.executable).parent / "cockpit"


def project_env(project: Project, tree: Path) -> dict[str, str]:
    env = common_env(project, tree)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user's runs: bytecode cached
    return env


def function_mutations(source: str, per_module: int) -> list[tuple[str, str]]:
    """(qualified name, mutated source) for up to ``per_module`` functions, spread out."""
    tree = ast.parse(source)
    found: list[tuple[str, int, int]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                first = child.body[0]
                if first.lineno != child.lineno:
                    found.append((prefix + child.name, first.lineno, first.col_offset))
            elif not isinstance(child, ast.Lambda):
                walk(child, prefix)

    walk(tree, "")
    if not found:
        return []
    step = max(1, len(found) // per_module)
    chosen = found[::step][:per_module]
    lines = source.splitlines(keepends=True)
    mutations = []
    for name, line, col in chosen:
        mutated = [*lines[: line - 1], " " * col + MUTATION + "\n", *lines[line - 1 :]]
        mutations.append((name, "".join(mutated)))
    return mutations


def timed(argv: list[str], tree: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=tree, env=env, capture_output=True, timeout=900, check=False)
    return time.perf_counter() - started


def build_cost(python: Path, tree: Path, env: dict[str, str], rounds: int) -> dict[str, float]:
    """Median wall of bare pytest, a traced cockpit run and testmon's first run."""
    fresh = tree / ".cockpit" / "call-map-fresh.json"
    variants = {
        "bare": [str(python), "-m", "pytest", "-q", "-p", "no:testmon"],
        "cockpit traced": [str(COCKPIT), "run", "--json", "--python", str(python)],
        "cockpit untraced": [str(COCKPIT), "run", "--json", "--no-trace", "--python", str(python)],
        "testmon first": [str(python), "-m", "pytest", "-q", "--testmon"],
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for index in range(rounds):
        order = list(variants) if index % 2 == 0 else list(reversed(variants))
        for name in order:
            fresh.unlink(missing_ok=True)
            for path in tree.glob(".testmondata*"):
                path.unlink()
            extra = ["-p", "no:testmon"] if name.startswith("cockpit") else []
            times[name].append(timed([*variants[name], *extra], tree, env))
    return {name: statistics.median(values) for name, values in times.items()}


def chosen_tests(selection: Selection, suite: list[str], by_file: dict[str, list[str]]) -> set[str]:
    if selection.everything:
        return set(suite)
    chosen: set[str] = set()
    for target in selection.targets:
        if target.whole:
            chosen |= set(by_file.get(target.path, [])) - set(target.deselected)
        else:
            chosen |= {test.nodeid for test in target.tests}
    return chosen


@dataclass
class Row:
    where: str
    failing: int
    selected: int
    missed: list[str]
    testmon_selected: int
    testmon_missed: int
    rerun: float
    testmon_rerun: float


def mutate_one(
    ctx: tuple[Path, Path, dict[str, str], Path, set[str], list[str], dict[str, list[str]]],
    selector: AffectedSelector,
    module: Path,
    mutated: str,
) -> Row | None:
    python, tree, env, saved, baseline_failing, suite, by_file = ctx
    original = module.read_text()
    stat = module.stat()
    module.write_text(mutated)
    try:
        truth = pytest_run(python, tree, env, "-p", "no:testmon")
        if not truth.collected:
            return None  # the suite cannot start at all: no selection is tested
        failing = truth.failing - baseline_failing
        for error in truth.collect_errors:
            failing |= set(by_file.get(file_of(error), [])) - baseline_failing
        selection = selector.select([module])
        chosen = chosen_tests(selection, suite, by_file)
        args = list(selection.pytest_args) if selection.everything else list(selection.target_args)
        rerun = (
            timed(
                [
                    str(COCKPIT),
                    "run",
                    "--json",
                    "--no-record",
                    "--python",
                    str(python),
                    *args,
                    "-p",
                    "no:testmon",
                ],
                tree,
                env,
            )
            if chosen
            else 0.0
        )
        restore_testmon(saved, tree)
        started = time.perf_counter()
        testmon = pytest_run(python, tree, env, "--testmon")
        testmon_rerun = time.perf_counter() - started
        testmon_ran = set(testmon.ran)
        for error in testmon.collect_errors:
            testmon_ran |= set(by_file.get(file_of(error), []))
    finally:
        module.write_text(original)
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        selector.select([module])
    return Row(
        "",
        len(failing),
        len(chosen),
        sorted(failing - chosen),
        len(testmon_ran),
        len(failing - testmon_ran),
        rerun,
        testmon_rerun,
    )


def bench_project(
    project: Project, python: Path, per_module: int, rounds: int
) -> tuple[list[Row], int, dict[str, float]]:
    tree = fresh_copy(project, WORK / "call-map" / project.name)
    env = project_env(project, tree)
    (tree / ".cockpit").mkdir(exist_ok=True)
    log(f"bench: {project.name}: baseline")
    baseline = pytest_run(python, tree, env, "-p", "no:testmon")
    suite = baseline.collected
    by_file: dict[str, list[str]] = {}
    for nodeid in suite:
        by_file.setdefault(file_of(nodeid), []).append(nodeid)
    log(f"bench: {project.name}: {len(suite)} tests; cost of building the map, {rounds} rounds")
    cost = build_cost(python, tree, env, rounds)
    log(f"bench: {project.name}: {cost}")
    for path in tree.glob(".testmondata*"):
        path.unlink()
    pytest_run(python, tree, env, "--testmon")
    saved = save_testmon(tree)
    (tree / ".cockpit" / "call-map-fresh.json").unlink(missing_ok=True)
    subprocess.run(
        [str(COCKPIT), "run", "--json", "--python", str(python), "-p", "no:testmon"],
        cwd=tree,
        env=env,
        capture_output=True,
        check=False,
    )
    log_db = SessionLog.open(
        DatabaseLocation(f"sqlite:///{tree / '.cockpit' / 'cockpit.db'}", "bench")
    )
    selector = AffectedSelector(tree, call_map=lambda: log_db)
    ctx = (python, tree, env, saved, baseline.failing, suite, by_file)
    rows: list[Row] = []
    for module in sorted((project.source_dir(tree) / project.package).rglob("*.py")):
        relative = module.relative_to(tree).as_posix()
        mutations = function_mutations(module.read_text(), per_module) if per_module else []
        for name, mutated in mutations:
            row = mutate_one(ctx, selector, module, mutated)
            if row is None:
                log(f"  {relative}:{name}: breaks the suite's start-up (not counted)")
                continue
            row.where = f"{relative}:{name}"
            log(
                f"  {row.where}: {row.failing} fail; cockpit {row.selected} "
                f"(misses {len(row.missed)}, rerun {row.rerun:.2f}s); testmon "
                f"{row.testmon_selected} (misses {row.testmon_missed}, {row.testmon_rerun:.2f}s)"
            )
            rows.append(row)
    log_db.close()
    return rows, len(suite), cost


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.1%}" if denominator else "-"


def report(project: Project, rows: list[Row], suite: int, cost: dict[str, float]) -> bool:
    failing = sum(r.failing for r in rows)
    hits = sum(r.failing - len(r.missed) for r in rows)
    testmon_hits = sum(r.failing - r.testmon_missed for r in rows)
    selected = sum(r.selected for r in rows)
    testmon_selected = sum(r.testmon_selected for r in rows)
    print(f"\n## {project.name} {project.version}: {len(rows)} function mutations, {suite} tests")
    print("| tool | recall | tests selected / suite | precision (failing / selected) |")
    print("|---|---|---|---|")
    print(
        f"| cockpit (call map) | {ratio(hits, failing)} ({hits}/{failing}) | "
        f"{ratio(selected, suite * len(rows))} | {ratio(hits, selected)} |"
    )
    print(
        f"| pytest-testmon | {ratio(testmon_hits, failing)} ({testmon_hits}/{failing}) | "
        f"{ratio(testmon_selected, suite * len(rows))} | {ratio(testmon_hits, testmon_selected)} |"
    )
    reruns = [r.rerun / r.testmon_rerun for r in rows if r.testmon_rerun]
    if reruns:
        median = statistics.median(reruns)
        print(
            f"rerun wall, cockpit / testmon on the same edit: median {median:.2f}x"
            f" (min {min(reruns):.2f}x, max {max(reruns):.2f}x; 0 where cockpit runs nothing)"
        )
    bare = cost["bare"]
    print(
        "building the map, wall / bare pytest -q: cockpit traced "
        f"{cost['cockpit traced'] / bare:.2f}x, cockpit untraced "
        f"{cost['cockpit untraced'] / bare:.2f}x, testmon first run "
        f"{cost['testmon first'] / bare:.2f}x (bare {bare:.2f}s)"
    )
    for row in rows:
        if row.missed:
            print(f"MISSED by cockpit after breaking {row.where}: {row.missed[:5]}")
    return not any(row.missed for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", default="itsdangerous,tomlkit,jinja2")
    parser.add_argument("--per-module", type=int, default=2, help="functions broken per module")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the cost comparison")
    parser.add_argument(
        "--cost-only", action="store_true", help="measure building the map, no mutations"
    )
    options = parser.parse_args()
    python = ensure_venv()
    print(f"bench_call_map {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"commit {commit()}")
    ok = True
    for name in options.projects.split(","):
        project = PROJECTS[name]
        shutil.rmtree(WORK / "call-map" / project.name, ignore_errors=True)
        per_module = 0 if options.cost_only else options.per_module
        rows, suite, cost = bench_project(project, python, per_module, options.rounds)
        ok = report(project, rows, suite, cost) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
