"""Wall time of ``cockpit diff 1 2 --json`` on two 50,000-test runs, against ``cockpit --version``.

What it measures, and why: ``cockpit diff`` answers "what did my last change fix or break"
and is meant to feel instant even on a large suite. Its cost is starting Python, importing
cockpit and the database layer, opening the session log, reading both runs' result rows
(100,000 here) and comparing them. ``cockpit --version`` is the floor any cockpit command
pays (interpreter start-up plus cockpit's command line) measured on the same machine in the
same minutes, so the goal is stated as a ratio: median(diff) at most 2.0x median(version).
Note that the floor moves: making ``--version`` faster makes this ratio harder to meet.

The workload: a session-log SQLite database in ``bench/.work/diffdb/`` (git-ignored), built
once with :class:`~cockpit.store.session_log.SessionLog` (``begin_run`` / ``write_results``
/ ``finish_run``, rows written in batches as the recorder does) and reused while its
manifest (``plan.json``) matches this script's plan and cockpit's schema revision; pass
``--rebuild`` to force a new one. It holds two whole-suite runs of 50,000 results each, on
the node ids of a ``gen_suite.py`` suite of 500 modules of 100 tests, drawn from a seeded
generator (so every build is the same):

- run 1: every 20th test fails (2,500: 9 in 10 ``failed`` in the call, 1 in 10 ``error`` in
  setup), each with one of a few error signatures and a failure row with a traceback; every
  97th other test is skipped and every 499th xfailed.
- run 2: one module (100 tests) and 20 scattered tests are gone, a new module of 100 tests
  (3 failing) and 20 tests added to old modules are new; of the failing tests still there,
  60 fail with another signature, 15 switch between ``failed`` and ``error`` with the same
  signature (still failing, not a change), 200 more still fail as before and the rest are
  fixed (some now skip or xfail: not failing counts as fixed); 40 passing and 5 skipped
  tests break; 300 passing tests now skip (no change to report).

Each run stores what the recorder would when it finishes: the ``results_digest`` (a hash
of all its node ids) and one digest per module (schema 0005). Run 2 adds and removes tests
in 42 of the 501 modules, so ``cockpit diff`` compares those modules test by test and
reads only the failing results of the others. ``--same-tests`` measures the case where no
test was added or removed, in ``bench/.work/diffdb-same/``: the same plan without the added
and removed tests, so every module digest is equal and only failing results are read.
``--no-module-digests`` stores runs as cockpit did before schema 0005 (in
``diffdb-legacy/`` or ``diffdb-same-legacy/``), to measure the fallback for old runs: the
full comparison of all 100,000 rows when the results digests differ.

How: one warm-up of each command, then ``--rounds`` rounds, each running both back to back
with the order flipped every round (diff first in odd rounds). Both are the ``cockpit``
console script next to ``sys.executable``, run from ``bench/.work/diffdb`` with their
output read from pipes, in the environment ``bench_run.py`` uses (no ``COCKPIT_*``, so no
``$COCKPIT_DB_URL``; bytecode cached under ``bench/.work/pycache``). Check, on every diff
run: exit 0, and the JSON's ``fixed``, ``broken``, ``new``, ``removed`` and
``changed_error`` hold exactly the node ids planted (counts and sets); ``--version`` must
exit 0 and print ``cockpit ...``. The script exits 1 if any check fails. It does not fail
when the ratio misses the goal; it prints ``goal <= 2.0: NOT met``. It prints the commit and
a digest of ``src/cockpit`` at the start and at the end, and a warning if the digest changed
in between (someone edited the code under measurement).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_run import (
    WORK_DIR,
    clean_env,
    cockpit_script,
    machine_line,
    measure_process,
    source_line,
)

import cockpit.store
from cockpit.settings import DatabaseLocation
from cockpit.store.database import HEAD_REVISION
from cockpit.store.recorder import module_digests, results_digest
from cockpit.store.rows import FailureRow, ResultRow, RunTotals
from cockpit.store.session_log import SessionLog

GOAL_RATIO = 2.0
PLAN_VERSION = 2  # 2: runs store their module digests (schema 0005)
SEED = 20261122
MODULES, PER_MODULE = 500, 100
KINDS = ("fixed", "broken", "new", "removed", "changed_error")
SIDES = ("diff", "version")
DIFF_DIRS = {
    (True, True): WORK_DIR / "diffdb",
    (False, True): WORK_DIR / "diffdb-same",
    (True, False): WORK_DIR / "diffdb-legacy",
    (False, False): WORK_DIR / "diffdb-same-legacy",
}
START = 1_795_300_000.0  # a fixed epoch (2026-11-21), so every build stores the same times

SIGNATURES = (
    "AssertionError: assert N == N",
    "AssertionError: assert '?' in '?'",
    "KeyError: '?'",
    "TypeError: unsupported operand type(s) for +: '?' and '?'",
    "ValueError: invalid literal for int() with base N: '?'",
    "AttributeError: '?' object has no attribute '?'",
    "ZeroDivisionError: division by zero",
)
SETUP_SIGNATURES = (
    "fixture '?' not found",
    "ConnectionRefusedError: [Errno N] Connection refused",
)


@dataclass(slots=True)
class Test:
    """One test's outcome in one run, as the recorder would store it."""

    nodeid: str
    outcome: str = "passed"
    signature: str | None = None


@dataclass(slots=True)
class Plan:
    """Both runs, and what a correct diff of them must report."""

    before: list[Test]
    after: list[Test]
    expected: dict[str, list[str]] = field(default_factory=dict)


def nodeid(module: int, name: str) -> str:
    return f"tests/test_m{module:04d}.py::{name}"


def module_of(node: str) -> str:
    return node.split("::", 1)[0]


def make_plan(churn: bool = True) -> Plan:
    """The two runs, from the seeded generator; the same every time. Without ``churn``, run 2
    neither adds nor removes tests."""
    rng = random.Random(SEED)
    before: list[Test] = []
    for module in range(MODULES):
        for offset in range(1, PER_MODULE + 1):
            number = module * PER_MODULE + offset
            test = Test(nodeid(module, f"test_{number:06d}"))
            if number % 20 == 0:
                error = number % 200 == 0
                test.outcome = "error" if error else "failed"
                test.signature = rng.choice(SETUP_SIGNATURES if error else SIGNATURES)
            elif number % 97 == 0:
                test.outcome = "skipped"
            elif number % 499 == 0:
                test.outcome = "xfailed"
            before.append(test)

    last_module = MODULES - 1
    candidates = [t.nodeid for t in before if not t.nodeid.startswith(nodeid(last_module, ""))]
    gone = {t.nodeid for t in before if t.nodeid.startswith(nodeid(last_module, ""))}
    gone |= set(rng.sample(candidates, 20))
    if not churn:
        gone = set()
    kept = [Test(t.nodeid, t.outcome, t.signature) for t in before if t.nodeid not in gone]

    failing = [t for t in kept if t.outcome in ("failed", "error")]
    rng.shuffle(failing)
    # failing[75:275] stay as they were: still failing, with the same signature.
    changed, switched, fixed = failing[:60], failing[60:75], failing[275:]
    for test in changed:
        pool = SETUP_SIGNATURES if test.outcome == "error" else SIGNATURES
        test.signature = rng.choice([s for s in pool if s != test.signature])
    for test in switched:
        test.outcome = "error" if test.outcome == "failed" else "failed"
    for index, test in enumerate(fixed):
        test.outcome = "skipped" if index % 50 == 0 else "xfailed" if index % 71 == 0 else "passed"
        test.signature = None

    fixed_ids = {t.nodeid for t in fixed}
    passing = [t for t in kept if t.outcome == "passed" and t.nodeid not in fixed_ids]
    skipped = [t for t in kept if t.outcome == "skipped" and t.nodeid not in fixed_ids]
    picked = rng.sample(passing, 340)
    broken = picked[:40] + rng.sample(skipped, 5)
    for test in broken:
        test.outcome = "failed"
        test.signature = rng.choice(SIGNATURES)
    for test in picked[40:]:
        test.outcome = "skipped"

    added = [Test(nodeid(MODULES, f"test_{MODULES * PER_MODULE + n:06d}")) for n in range(1, 101)]
    for test in added[10::30]:
        test.outcome, test.signature = "failed", rng.choice(SIGNATURES)
    added += [Test(nodeid(rng.randrange(MODULES - 1), f"test_added_{n:02d}")) for n in range(20)]
    if not churn:
        added = []
    after = sorted(kept + added, key=lambda t: t.nodeid)

    expected = {
        "fixed": sorted(t.nodeid for t in fixed),
        "broken": sorted(t.nodeid for t in broken),
        "new": sorted(t.nodeid for t in added),
        "removed": sorted(gone),
        "changed_error": sorted(t.nodeid for t in changed),
    }
    return Plan(before, after, expected)


class SteppingClock:
    """A clock that starts at a fixed epoch and moves on a little at every reading."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


def store_run(
    log: SessionLog, tests: Sequence[Test], rng: random.Random, modules: bool = True
) -> int:
    """Record one whole-suite run of ``tests`` as ``cockpit run`` would; its run id. Without
    ``modules``, as cockpit did before schema 0005: no module digests."""
    run_id = log.begin_run(
        [],
        whole_suite=True,
        selection_reason="the whole suite",
        interpreter=sys.executable,
    )
    log.set_run_environment(run_id, "9.2.0", "/work/project")
    results, failures = [], []
    for test in tests:
        module = module_of(test.nodeid)
        setup = "error" if test.outcome == "error" else "passed"
        call = {"error": "", "xfailed": "xfailed", "skipped": ""}.get(test.outcome, test.outcome)
        if test.outcome == "skipped":
            setup = "skipped"
        results.append(
            ResultRow(
                nodeid=test.nodeid,
                module=module,
                outcome=test.outcome,
                setup=setup,
                call=call,
                teardown="passed" if test.outcome != "error" else "",
                duration=round(rng.expovariate(2000.0), 6),
                signature=test.signature,
            )
        )
        if test.outcome in ("failed", "error"):
            line = rng.randrange(5, 400)
            message = f"{test.signature} (planted in {test.nodeid})"
            frames = "\n".join(
                f"    value = helper_{depth}(value)  # {module}:{line + depth}"
                for depth in range(8)
            )
            failures.append(
                FailureRow(
                    nodeid=test.nodeid,
                    phase="setup" if test.outcome == "error" else "call",
                    crash_path=module,
                    crash_line=line,
                    message=message,
                    longrepr=f"def {test.nodeid.split('::')[1]}():\n{frames}\n>   {message}\nE   "
                    + message,
                    stdout="log line\n" * rng.randrange(0, 20),
                )
            )
        if len(results) >= 2000:
            log.write_results(run_id, results, failures)
            results, failures = [], []
    log.write_results(run_id, results, failures)
    count = {o: sum(t.outcome == o for t in tests) for o in ("passed", "failed", "error")}
    log.finish_run(
        run_id,
        exit_code=1 if count["failed"] or count["error"] else 0,
        outcome="failed" if count["failed"] or count["error"] else "passed",
        totals=RunTotals(
            collected=len(tests),
            passed=count["passed"],
            failed=count["failed"],
            errors=count["error"],
            skipped=sum(t.outcome == "skipped" for t in tests),
            xfailed=sum(t.outcome == "xfailed" for t in tests),
            xpassed=0,
        ),
        crashed_test=None,
        results_digest=results_digest({t.nodeid for t in tests}),
        module_digests=module_digests({t.nodeid: module_of(t.nodeid) for t in tests})
        if modules
        else None,
    )
    return run_id


def build_key(plan: Plan, churn: bool, modules: bool) -> dict[str, Any]:
    """What the cached database depends on. Besides the plan, the schema: its revision, and
    the migrations' text too, as a migration edited in place keeps its revision id; and the
    run digests the recorder would store for these runs today."""
    migrations = Path(cockpit.store.__file__).parent / "migrations"
    text = hashlib.sha256()
    for path in sorted(migrations.rglob("*.py")):
        text.update(path.relative_to(migrations).as_posix().encode() + b"\0" + path.read_bytes())
    return {
        "plan_version": PLAN_VERSION,
        "seed": SEED,
        "modules": MODULES,
        "per_module": PER_MODULE,
        "churn": churn,
        "module_digests": modules,
        "schema": HEAD_REVISION,
        "migrations_sha256": text.hexdigest(),
        "run_digests": [
            results_digest({t.nodeid for t in run}) for run in (plan.before, plan.after)
        ],
    }


def ensure_database(
    churn: bool, rebuild: bool, modules: bool = True
) -> tuple[Path, dict[str, list[str]]]:
    """The database (built if needed) and the node ids a diff of its runs 1 and 2 must list."""
    folder = DIFF_DIRS[churn, modules]
    database, manifest = folder / "session.db", folder / "plan.json"
    plan = make_plan(churn)
    key = build_key(plan, churn, modules)
    first, second = key["run_digests"]
    print(
        "bench_diff: runs 1 and 2 hold "
        + ("the same tests (equal results_digest)" if first == second else "different tests")
    )
    if not rebuild and database.is_file():
        try:
            stored = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = None
        if isinstance(stored, dict) and stored.get("key") == key:
            counts = {kind: len(plan.expected[kind]) for kind in KINDS}
            print(f"bench_diff: reusing {database} (planted {counts})")
            return database, plan.expected
    folder.mkdir(parents=True, exist_ok=True)
    manifest.unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    started = time.perf_counter()
    rng = random.Random(SEED + 1)
    log = SessionLog.open(
        DatabaseLocation(f"sqlite:///{database}", "bench"), clock=SteppingClock(START)
    )
    try:
        ids = tuple(store_run(log, run, rng, modules) for run in (plan.before, plan.after))
    finally:
        log.close()
    if ids != (1, 2):
        raise SystemExit(f"bench_diff: a new database gave run ids {ids}, not (1, 2)")
    data = {"key": key, "expected": plan.expected}
    manifest.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    counts = {kind: len(plan.expected[kind]) for kind in KINDS}
    print(
        f"bench_diff: built {database} in {time.perf_counter() - started:.1f} s: "
        f"runs 1 and 2 of {len(plan.before)} and {len(plan.after)} results; planted {counts}"
    )
    return database, plan.expected


@dataclass(frozen=True, slots=True)
class Timing:
    wall: float
    cpu: float
    exit_code: int
    stdout: str
    stderr: str


def timed(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> Timing:
    wall, cpu, completed = measure_process(argv, cwd, env)
    return Timing(
        wall,
        cpu,
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


def check_diff(run: Timing, expected: dict[str, list[str]]) -> list[str]:
    tail = (run.stdout + run.stderr).strip()[-600:]
    if run.exit_code != 0:
        return [f"diff exited {run.exit_code}:\n{tail}"]
    try:
        data = json.loads(run.stdout)
    except ValueError:
        return [f"diff printed no JSON:\n{tail}"]
    if not isinstance(data, dict):
        return [f"diff printed {type(data).__name__}, not an object"]
    problems = []
    for kind in KINDS:
        got = data.get(kind)
        if not isinstance(got, list):
            problems.append(f"diff JSON: {kind} is {type(got).__name__}, not a list")
            continue
        want = expected[kind]
        if len(got) != len(want) or set(got) != set(want):
            extra, missing = sorted(set(got) - set(want)), sorted(set(want) - set(got))
            problems.append(
                f"diff JSON: {len(got)} {kind}, planted {len(want)} "
                f"(unexpected {extra[:3]}, missing {missing[:3]})"
            )
    return problems


def check_version(run: Timing) -> list[str]:
    if run.exit_code != 0 or not run.stdout.startswith("cockpit "):
        tail = (run.stdout + run.stderr).strip()[-300:]
        return [f"--version exited {run.exit_code}, printed {tail!r}"]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds (15)")
    parser.add_argument("--rebuild", action="store_true", help="build the database anew")
    parser.add_argument(
        "--no-module-digests",
        action="store_true",
        help="runs recorded as before schema 0005 (no module digests: the fallback)",
    )
    parser.add_argument(
        "--same-tests",
        action="store_true",
        help="runs that hold the same tests (no new or removed ones)",
    )
    options = parser.parse_args(argv)
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    print(f"bench_diff: {machine_line()}")
    print(f"bench_diff: {(source_before := source_line())}")
    database, expected = ensure_database(
        not options.same_tests, options.rebuild, not options.no_module_digests
    )
    script = str(cockpit_script())
    commands = {
        "diff": [script, "diff", "1", "2", "--json", "--db", f"sqlite:///{database}"],
        "version": [script, "--version"],
    }
    for side in SIDES:
        print(f"{side + ':':9}{' '.join(commands[side])}")
    env = clean_env()
    runs: dict[str, list[Timing]] = {side: [] for side in SIDES}
    problems: list[str] = []

    def run(side: str, label: str) -> Timing:
        timing = timed(commands[side], database.parent, env)
        found = check_diff(timing, expected) if side == "diff" else check_version(timing)
        problems.extend(f"{label}: {p}" for p in found)
        return timing

    warm = {side: run(side, "warm-up") for side in SIDES}
    print(f"warm-up:   diff {warm['diff'].wall:6.3f} s   version {warm['version'].wall:6.3f} s")
    for index in range(1, options.rounds + 1):
        order = SIDES if index % 2 else SIDES[::-1]
        timings = {side: run(side, f"round {index}") for side in order}
        for side in SIDES:
            runs[side].append(timings[side])
        diff, version = timings["diff"], timings["version"]
        print(
            f"round {index:2}:  diff {diff.wall:6.3f} s (cpu {diff.cpu:6.3f})   "
            f"version {version.wall:6.3f} s (cpu {version.cpu:6.3f})   "
            f"ratio {diff.wall / version.wall:5.2f}   {order[0]} first",
            flush=True,
        )

    def median(side: str, what: str = "wall") -> float:
        return statistics.median(t.wall if what == "wall" else t.cpu for t in runs[side])

    ratio = median("diff") / median("version")
    paired = statistics.median(
        d.wall / v.wall for d, v in zip(runs["diff"], runs["version"], strict=True)
    )
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    print(f"\nbench_diff: done {machine_line()}")
    print(f"bench_diff: {(source_after := source_line())}")
    if source_after.rsplit(" ", 1)[-1] != source_before.rsplit(" ", 1)[-1]:
        print("bench_diff: WARNING: src/cockpit changed while this ran; the figures mix versions")
    print(
        f"median wall diff {median('diff'):.3f} s, version {median('version'):.3f} s, "
        f"ratio {ratio:.2f} (goal <= {GOAL_RATIO}: {verdict}), "
        f"median of per-round ratios {paired:.2f}; median cpu diff {median('diff', 'cpu'):.3f} s, "
        f"version {median('version', 'cpu'):.3f} s"
    )
    for problem in problems:
        print(f"bench_diff: MISMATCH {problem}", file=sys.stderr)
    if problems:
        return 1
    counts = ", ".join(f"{len(expected[kind])} {kind}" for kind in KINDS)
    print(f"checks: every diff run listed exactly the planted node ids ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
