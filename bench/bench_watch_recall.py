"""Mutation recall of cockpit's affected-test selection, against pytest-testmon.

For every module of a real project (downloaded as an sdist that ships its tests), break
it, run the whole suite to learn which tests fail, and compare with the tests cockpit
selects for that one changed file, and with the tests pytest-testmon runs for the same
edit (from the same pristine ``.testmondata`` each time). Cockpit's recall must be 100%.

The mutation: the first statement of every function and method body becomes
``raise RuntimeError(...)`` (a line inserted with the body's indentation, the rest of the
file untouched). A module whose functions run at import time then fails to import, which
is a real break too. One-line ``def f(): ...`` bodies are left alone (none are counted).

    python bench/bench_watch_recall.py                    # itsdangerous and tomlkit
    python bench/bench_watch_recall.py --projects attrs
    python bench/bench_watch_recall.py --projects jinja2  # imports by computed name

Before the mutations, one whole-suite ``cockpit run`` on the pristine tree records what
the package's imports by computed name load (``.cockpit/computed-imports.json``), as a
user's first run would; each mutated module is restored byte for byte and with its
mtime, so the loaders it did not touch stay known.

Exit status 1 when cockpit misses a failing test on any mutation.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench_watch_common import (
    PROJECTS,
    WORK,
    Project,
    commit,
    ensure_venv,
    fresh_copy,
    log,
    project_env,
)

from cockpit.watch.affected import AffectedSelector
from cockpit.watch.computed_imports import ComputedImports
from cockpit.watch.selection import Selection

OUTCOMES_PLUGIN = """
import json, os
_out = open(os.environ["BENCH_OUTCOMES"], "a")
def pytest_collectreport(report):
    if report.failed:
        _out.write(json.dumps({"collect_error": report.nodeid}) + "\\n"); _out.flush()
def pytest_collection_finish(session):
    _out.write(json.dumps({"collected": [i.nodeid for i in session.items]}) + "\\n"); _out.flush()
def pytest_runtest_logreport(report):
    _out.write(json.dumps({"nodeid": report.nodeid, "when": report.when,
                           "outcome": report.outcome}) + "\\n"); _out.flush()
"""
MUTATION = 'raise RuntimeError("cockpit-bench mutation")'


def mutate(source: str) -> tuple[str, int]:
    """Insert a raise as the first statement of every function body; how many."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    inserts: list[tuple[int, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0]
            start = first.lineno
            if first.lineno == node.lineno:
                continue
            # A docstring stays first; the raise goes before the body's first statement.
            inserts.append((start - 1, first.col_offset))
    for index, col in sorted(inserts, reverse=True):
        lines.insert(index, " " * col + MUTATION + "\n")
    return "".join(lines), len(inserts)


@dataclass
class RunRecord:
    collected: list[str]
    failing: set[str]
    ran: set[str]
    collect_errors: list[str]


def pytest_run(python: Path, tree: Path, env: dict[str, str], *args: str) -> RunRecord:
    outcomes = WORK / "outcomes.jsonl"
    outcomes.unlink(missing_ok=True)
    plugin_dir = WORK / "plugin"
    plugin_dir.mkdir(parents=True, exist_ok=True)
    (plugin_dir / "bench_outcomes.py").write_text(OUTCOMES_PLUGIN)
    run_env = {
        **env,
        "BENCH_OUTCOMES": str(outcomes),
        "PYTHONPATH": os.pathsep.join([str(plugin_dir), env["PYTHONPATH"]]),
    }
    subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "bench_outcomes", "-p", "no:randomly", *args],
        cwd=tree,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    record = RunRecord([], set(), set(), [])
    for line in outcomes.read_text().splitlines() if outcomes.exists() else []:
        item = json.loads(line)
        if "collected" in item:
            record.collected = item["collected"]
        elif "collect_error" in item:
            record.collect_errors.append(item["collect_error"])
        else:
            record.ran.add(item["nodeid"])
            if item["outcome"] == "failed":
                record.failing.add(item["nodeid"])
    return record


def save_testmon(tree: Path) -> Path:
    """A copy of testmon's database after the baseline run. It is SQLite in WAL mode: the
    data may all be in ``.testmondata-wal``, so every file of it is copied."""
    saved = WORK / "testmon-pristine"
    shutil.rmtree(saved, ignore_errors=True)
    saved.mkdir()
    for path in tree.glob(".testmondata*"):
        shutil.copy(path, saved / path.name)
    return saved


def restore_testmon(saved: Path, tree: Path) -> None:
    for path in tree.glob(".testmondata*"):
        path.unlink()
    for path in saved.iterdir():
        shutil.copy(path, tree / path.name)


def file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


@dataclass
class Row:
    module: str
    functions: int
    failing: int
    cockpit_selected: int
    cockpit_missed: list[str]
    cockpit_everything: bool
    testmon_selected: int
    testmon_missed: int
    select_ms: float
    static_selected: int
    """cockpit's selection without what runs recorded of imports by computed name."""


def bench_project(project: Project, python: Path, limit: int | None) -> tuple[list[Row], int]:
    tree = fresh_copy(project, WORK / "recall" / project.name)
    env = project_env(project, tree)
    log(f"bench: {project.name}: baseline run")
    baseline = pytest_run(python, tree, env, "-p", "no:testmon")
    suite = baseline.collected
    by_file: dict[str, list[str]] = {}
    for nodeid in suite:
        by_file.setdefault(file_of(nodeid), []).append(nodeid)
    log(f"bench: {project.name}: {len(suite)} tests, {len(baseline.failing)} failing already")
    log(f"bench: {project.name}: testmon baseline")
    pytest_run(python, tree, env, "--testmon")
    saved = save_testmon(tree)
    log(f"bench: {project.name}: cockpit baseline (records imports by computed name)")
    cockpit = Path(sys.executable).parent / "cockpit"
    subprocess.run(
        [str(cockpit), "run", "--json", "--no-record", "--python", str(python), "-p", "no:testmon"],
        cwd=tree,
        env=env,
        capture_output=True,
        check=False,
    )
    selector = AffectedSelector(tree)
    static = AffectedSelector(tree)
    static.computed = ComputedImports(tree / ".none")  # as before runs recorded any
    package_dir = project.source_dir(tree) / project.package
    modules = sorted(package_dir.rglob("*.py"))[:limit]
    rows = []
    for module in modules:
        relative = module.relative_to(tree).as_posix()
        original = module.read_text()
        stat = module.stat()
        mutated, count = mutate(original)
        if not count:
            continue
        module.write_text(mutated)
        try:
            truth = pytest_run(python, tree, env, "-p", "no:testmon")
            if not truth.collected:
                # The suite cannot even start (a conftest imports the broken module):
                # every run fails at once whatever is selected, so no tool is tested.
                log(f"  {relative}: breaks the suite's start-up (not counted)")
                continue
            failing = truth.failing - baseline.failing
            for error in truth.collect_errors:
                failing |= set(by_file.get(file_of(error), [])) - baseline.failing
            started = time.perf_counter()
            selection = selector.select([module])
            select_ms = (time.perf_counter() - started) * 1000
            chosen = chosen_tests(selection, suite, by_file)
            static_chosen = chosen_tests(static.select([module]), suite, by_file)
            restore_testmon(saved, tree)
            testmon = pytest_run(python, tree, env, "--testmon")
            testmon_ran = testmon.ran
            for error in testmon.collect_errors:
                testmon_ran |= set(by_file.get(file_of(error), []))
        finally:
            module.write_text(original)
            os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the very same file
            selector.select([module])  # back to the pristine graph
            static.select([module])
        row = Row(
            relative,
            count,
            len(failing),
            len(chosen),
            sorted(failing - chosen),
            selection.everything,
            len(testmon_ran),
            len(failing - testmon_ran),
            select_ms,
            len(static_chosen),
        )
        log(
            f"  {relative}: {count} bodies, {row.failing} fail; cockpit selects "
            f"{row.cockpit_selected}{' (everything)' if row.cockpit_everything else ''}, "
            f"misses {len(row.cockpit_missed)}; testmon runs {row.testmon_selected}, "
            f"misses {row.testmon_missed}"
        )
        rows.append(row)
    return rows, len(suite)


def chosen_tests(selection: Selection, suite: list[str], by_file: dict[str, list[str]]) -> set[str]:
    if selection.everything:
        return set(suite)
    return {n for t in selection.targets for n in by_file.get(t.path, [])}


def ratio(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.1%}" if denominator else "-"


def report(project: Project, rows: list[Row], suite: int) -> bool:
    failing = sum(r.failing for r in rows)
    hits = sum(r.failing - len(r.cockpit_missed) for r in rows)
    testmon_hits = sum(r.failing - r.testmon_missed for r in rows)
    selected = sum(r.cockpit_selected for r in rows)
    testmon_selected = sum(r.testmon_selected for r in rows)
    print(f"\n## {project.name} {project.version}: {len(rows)} mutated modules, {suite} tests")
    print("| tool | recall (failing tests selected) | tests selected / suite | precision |")
    print("|---|---|---|---|")
    print(
        f"| cockpit | {ratio(hits, failing)} ({hits}/{failing}) | "
        f"{ratio(selected, suite * len(rows))} | {ratio(hits, selected)} |"
    )
    print(
        f"| pytest-testmon | {ratio(testmon_hits, failing)} ({testmon_hits}/{failing}) | "
        f"{ratio(testmon_selected, suite * len(rows))} | {ratio(testmon_hits, testmon_selected)} |"
    )
    static_selected = sum(r.static_selected for r in rows)
    print(
        "| cockpit, static graph only (no recorded computed imports) | - | "
        f"{ratio(static_selected, suite * len(rows))} | - |"
    )
    everything = sum(r.cockpit_everything for r in rows)
    print(f"cockpit widened to everything on {everything} of {len(rows)} mutations")
    medians = sorted(r.select_ms for r in rows)
    print(f"cockpit selection time per change: median {medians[len(medians) // 2]:.2f} ms")
    missed = [(r.module, r.cockpit_missed) for r in rows if r.cockpit_missed]
    for module, tests in missed:
        print(f"MISSED by cockpit after breaking {module}: {tests[:5]}")
    return not missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", default="itsdangerous,tomlkit")
    parser.add_argument("--limit", type=int, default=None, help="at most this many modules")
    options = parser.parse_args()
    projects = [PROJECTS[name] for name in options.projects.split(",")]
    python = ensure_venv()
    versions = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True
    ).stdout
    wanted = ("pytest=", "pytest-testmon=", "coverage=")
    print(f"bench_watch_recall {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"commit {commit()}; " + ", ".join(v for v in versions.split() if v.startswith(wanted)))
    ok = True
    for project in projects:
        rows, suite = bench_project(project, python, options.limit)
        ok = report(project, rows, suite) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
