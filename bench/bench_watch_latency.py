"""Save -> pytest process start: ``cockpit watch`` against pytest-watcher, side by side.

Both tools watch the same copy of a real project (a git checkout, so cockpit also pays
for ``git check-ignore`` on every batch) and start pytest through the same wrapper
script, which appends ``$EPOCHREALTIME`` to a stamp file as its first action and again
when pytest exits. The script saves a source module (new content each time), takes the
wall clock right after the write, and reads the next start stamp: that difference is the
latency. It waits for the run to end, and a random 0.4-0.8 s, before the next save. The tools take
turns in blocks (one tool started, ``--saves`` saves, stopped), the order flipping each
round; both use their defaults (pytest-watcher: ``--delay 0.2``; cockpit: ``step_ms`` 10).

It also times cockpit's selection against pytest's own ``--collect-only`` on the project
(in-process graph build and one ``select`` of the saved file, medians) and the cost of
one ``git check-ignore`` batch against the built-in ``.gitignore`` matcher.

    python bench/bench_watch_latency.py --rounds 4 --saves 5
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_watch_common import (
    PROJECTS,
    VENV,
    WORK,
    Project,
    commit,
    ensure_venv,
    fresh_copy,
    log,
    project_env,
)

from cockpit.watch.affected import AffectedSelector
from cockpit.watch.ignore import GitIgnore, ignored_by

WRAPPER = """#!/bin/bash
printf '%s start\\n' "$EPOCHREALTIME" >> "$BENCH_STAMPS"
"$BENCH_PYTHON" {module} "$@"
rc=$?
printf '%s end\\n' "$EPOCHREALTIME" >> "$BENCH_STAMPS"
exit $rc
"""
TIMEOUT = 120.0
PAUSES = (0.4, 0.8)
"""Seconds between a run's end and the next save, drawn at random: pytest-watcher polls its
trigger every 0.1 s after a run, so a fixed pause would land every save at the same phase
of its loop (a fixed 0.5 s gave it 2-13 ms, just after a poll, instead of 0-100 ms)."""


def write_wrappers() -> tuple[Path, Path]:
    """An interpreter for cockpit (``python ARGS``) and a runner for ptw (``pytest ARGS``)."""
    folder = WORK / "wrappers"
    folder.mkdir(parents=True, exist_ok=True)
    python = folder / "stamp-python"
    python.write_text(WRAPPER.format(module=""))
    runner = folder / "stamp-pytest"
    runner.write_text(WRAPPER.format(module="-m pytest"))
    for path in (python, runner):
        path.chmod(0o755)
    return python, runner


class Stamps:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.write_text("")
        self.read = 0

    def wait(self, kind: str, deadline: float) -> float:
        """The next stamp of this kind (start or end) after those already read."""
        while time.monotonic() < deadline:
            lines = self.path.read_text().splitlines()
            for index in range(self.read, len(lines)):
                stamp, what = lines[index].split()
                if what == kind:
                    self.read = index + 1
                    return float(stamp)
            time.sleep(0.002)
        raise TimeoutError(f"no {kind} stamp within {TIMEOUT} s")


def tool_command(tool: str, tree: Path, python: Path, runner: Path) -> list[str]:
    if tool == "cockpit":
        cockpit = Path(sys.executable).parent / "cockpit"
        return [str(cockpit), "watch", "--no-record", "--json", "--python", str(python)]
    return [str(VENV / "bin" / "ptw"), "--now", "--runner", str(runner), str(tree)]


def measure_block(
    tool: str,
    project: Project,
    tree: Path,
    saves: int,
    target: Path,
    counter: list[int],
    pause: random.Random,
) -> list[float]:
    python, runner = write_wrappers()
    stamps = Stamps(WORK / f"stamps-{tool}.txt")
    env = {
        **project_env(project, tree),
        "BENCH_STAMPS": str(stamps.path),
        "BENCH_PYTHON": str(VENV / "bin" / "python"),
    }
    process = subprocess.Popen(
        tool_command(tool, tree, python, runner),
        cwd=tree,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stderr is not None
    latencies = []
    try:
        deadline = time.monotonic() + TIMEOUT
        if tool == "cockpit":
            for line in process.stderr:
                if line.strip() == "ready":
                    break
        else:  # --now: the first run starts once its observer is watching
            stamps.wait("start", deadline)
            stamps.wait("end", deadline)
        time.sleep(pause.uniform(*PAUSES))
        for _ in range(saves):
            counter[0] += 1
            original = target.read_text()
            target.write_text(f"{original.rstrip()}\n# bench save {counter[0]}\n")
            saved = time.time()
            deadline = time.monotonic() + TIMEOUT
            started = stamps.wait("start", deadline)
            latencies.append(started - saved)
            stamps.wait("end", deadline)
            time.sleep(pause.uniform(*PAUSES))  # trailing events land; a random loop phase
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # both stop on it (SIGINT may be ignored)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return latencies


def selection_timing(project: Project, tree: Path, target: Path, repeat: int) -> None:
    env = project_env(project, tree)
    collect = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            [
                str(VENV / "bin" / "python"),
                "-m",
                "pytest",
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            cwd=tree,
            env=env,
            capture_output=True,
            check=True,
        )
        collect.append(time.perf_counter() - started)
    builds, selects = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        selector = AffectedSelector(tree)
        builds.append(time.perf_counter() - started)
        started = time.perf_counter()
        selector.select([target])
        selects.append(time.perf_counter() - started)
    files = len(selector.graph.nodes)
    collect_s, build_s, select_s = (statistics.median(x) for x in (collect, builds, selects))
    print(f"\nselection time, medians of {repeat} ({files} Python files):")
    print(f"  pytest --collect-only -q (subprocess): {collect_s * 1000:.0f} ms")
    print(
        f"  graph build (once per watch session): {build_s * 1000:.1f} ms "
        f"= {build_s / collect_s:.3f}x collect-only"
    )
    print(
        f"  select() for one saved module (rescan + query): {select_s * 1000:.2f} ms "
        f"= {select_s / collect_s:.4f}x collect-only"
    )

    ignore = GitIgnore(tree)
    git_times, matcher_times = [], []
    for _ in range(repeat * 5):
        ignore.forget()  # the cost of a path git was not asked about yet
        started = time.perf_counter()
        asyncio.run(ignore.kept({target}))
        git_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        ignored_by(ignore.patterns, target.relative_to(tree).as_posix())
        matcher_times.append(time.perf_counter() - started)
    print(
        "  .gitignore for a path not yet asked about: git check-ignore "
        f"{statistics.median(git_times) * 1000:.2f} ms, "
        f"built-in matcher {statistics.median(matcher_times) * 1000:.3f} ms (medians)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default="itsdangerous", choices=sorted(PROJECTS))
    parser.add_argument(
        "--module", default=None, help="the module saved (default: the package's first)"
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--saves", type=int, default=5)
    options = parser.parse_args()
    project = PROJECTS[options.project]
    ensure_venv()
    tree = fresh_copy(project, WORK / "latency" / project.name)
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tree, check=True)
    source = project.source_dir(tree) / project.package
    target = source / options.module if options.module else sorted(source.glob("[!_]*.py"))[0]
    print(f"bench_watch_latency {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"commit {commit()}; project {project.name} {project.version}; "
        f"saving {target.relative_to(tree)}"
    )
    results: dict[str, list[float]] = {"cockpit": [], "pytest-watcher": []}
    counter = [0]
    pause = random.Random(7)
    for round_index in range(options.rounds):
        order = ["cockpit", "pytest-watcher"]
        if round_index % 2:
            order.reverse()
        for tool in order:
            block = measure_block(tool, project, tree, options.saves, target, counter, pause)
            results[tool] += block
            log(
                f"round {round_index + 1} {tool}: "
                + " ".join(f"{x * 1000:.0f}" for x in block)
                + " ms"
            )
    if not options.rounds:
        selection_timing(project, tree, target, repeat=5)
        return 0
    print("\nsave -> pytest process start:")
    medians = {}
    for tool, values in results.items():
        medians[tool] = statistics.median(values)
        print(
            f"  {tool}: median {medians[tool] * 1000:.1f} ms over {len(values)} saves "
            f"(min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"
        )
    ratio = medians["cockpit"] / medians["pytest-watcher"]
    verdict = "met" if ratio <= 0.5 else "NOT met"
    print(f"  ratio cockpit / pytest-watcher: {ratio:.3f} (goal <= 0.5: {verdict})")
    selection_timing(project, tree, target, repeat=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
