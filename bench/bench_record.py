"""Wall time of ``cockpit run --json`` recording into the session log, against ``--no-record``.

What it measures, and why: unless ``--no-record`` is given, ``cockpit run`` writes every
test's result into the session log (SQLite by default) from a background thread in the
parent process, every 0.5 s, while the same parent decodes the child's event stream. That
thread competes for the parent's GIL and for the machine's cores with pytest itself, so on
a big suite of fast tests it is where recording can cost wall time. The goal: median wall
time with recording at most 1.03x the median without. The suite is 50,000 one-line tests
in 500 modules of 100, written by ``bench/gen_suite.py`` into ``bench/.work/suite50k``
(git-ignored) unless an identical one is already there.

How: the two commands differ only in ``--db sqlite:///bench/.work/record/round.db`` versus
``--no-record``; both are ``cockpit run --json --project SUITE --python sys.executable
-p no:cacheprovider``, run from the suite folder, in the environment ``bench_run.py`` uses
(the caller's without ``PYTEST_*``, ``COCKPIT_*``, ``PYTHONDONTWRITEBYTECODE`` and
``PYTHONUNBUFFERED``; bytecode cached under ``bench/.work/pycache``). One warm-up of each,
then ``--rounds`` rounds, each running both back to back with the order flipped every round
(recording first in odd rounds).

Before every recording run (warm-up included), ``round.db`` is replaced by a copy of an
empty database that already has cockpit's schema (made once per invocation by opening a
:class:`~cockpit.store.session_log.SessionLog` on it). So each round records into a
database holding no runs, and the database does not grow from round to round; creating the
schema, which a user pays once per project, is not timed. The copy is made before the
clock starts.

Checks, on every run: both exit 0 and their JSON ``totals`` say 50,000 passed; the
recording run's JSON names a ``run_id`` and, read back with :mod:`sqlite3` after the run,
the database holds exactly 50,000 rows in ``results`` for that run (and no others) and the
run's row is no longer ``running``. The script exits 1 if any check fails. It does not fail
when the ratio misses the goal; it prints ``goal <= 1.03: NOT met``. It prints the commit and
a digest of ``src/cockpit`` at the start and at the end, and a warning if the digest changed
in between (someone edited the code under measurement).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_run import (
    COUNT_KEYS,
    NO_CACHE,
    WORK_DIR,
    clean_env,
    cockpit_script,
    ensure_suite,
    machine_line,
    measure_process,
    source_line,
)
from gen_suite import SuiteSpec

GOAL_RATIO = 1.03
SIDES = ("record", "no-record")
DB_DIR = WORK_DIR / "record"


@dataclass(frozen=True, slots=True)
class RunOutput:
    """One ``cockpit run --json``: its wall and CPU time and what it printed."""

    wall: float
    cpu: float
    exit_code: int
    payload: dict[str, Any] | None
    tail: str


@dataclass(slots=True)
class Series:
    """The timed (non-warm-up) runs of both sides, and every problem any run had."""

    runs: dict[str, list[RunOutput]] = field(default_factory=lambda: {s: [] for s in SIDES})
    problems: list[str] = field(default_factory=list)

    def median(self, side: str, what: str = "wall") -> float:
        return statistics.median(r.wall if what == "wall" else r.cpu for r in self.runs[side])

    def ratio(self, what: str = "wall") -> float:
        return self.median("record", what) / self.median("no-record", what)

    def paired_ratio(self) -> float:
        pairs = zip(self.runs["record"], self.runs["no-record"], strict=True)
        return statistics.median(record.wall / bare.wall for record, bare in pairs)


def timed_cockpit(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> RunOutput:
    """Run one cockpit command to completion, its output read from pipes, and time it."""
    wall, cpu, completed = measure_process(argv, cwd, env)
    stdout = completed.stdout.decode("utf-8", "replace")
    try:
        payload = json.loads(stdout)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        payload = None
    tail = (stdout + completed.stderr.decode("utf-8", "replace")).strip()[-600:]
    return RunOutput(wall, cpu, completed.returncode, payload, tail)


def totals_of(run: RunOutput) -> dict[str, int] | None:
    try:
        assert run.payload is not None
        totals = run.payload["totals"]
        return {key: int(totals[key]) for key in COUNT_KEYS}
    except (AssertionError, KeyError, TypeError, ValueError):
        return None


def stored_rows(database: Path, run_id: int) -> tuple[int, int, str | None]:
    """Result rows of ``run_id``, result rows in all, and the run's stored outcome."""
    connection = sqlite3.connect(database)
    try:
        (mine,) = connection.execute(
            "SELECT count(*) FROM results WHERE run_id = ?", (run_id,)
        ).fetchone()
        (everything,) = connection.execute("SELECT count(*) FROM results").fetchone()
        row = connection.execute("SELECT outcome FROM runs WHERE id = ?", (run_id,)).fetchone()
    finally:
        connection.close()
    return int(mine), int(everything), None if row is None else str(row[0])


def check_run(side: str, run: RunOutput, spec: SuiteSpec, database: Path) -> list[str]:
    """What is wrong with one run (empty when everything agrees)."""
    expected = dict.fromkeys(COUNT_KEYS, 0)
    expected["passed"] = spec.tests
    totals = totals_of(run)
    if totals is None:
        return [f"{side}: no JSON totals (exit {run.exit_code}):\n{run.tail}"]
    problems = []
    if run.exit_code != 0:
        problems.append(f"{side}: exit code {run.exit_code}")
    if totals != expected:
        problems.append(f"{side}: totals {totals}, the suite holds {expected}")
    run_id = run.payload.get("run_id") if run.payload else None
    if side == "no-record":
        if run_id is not None:
            problems.append(f"no-record: the JSON names run_id {run_id!r}")
        return problems
    if not isinstance(run_id, int):
        return [*problems, f"record: the JSON names no run_id ({run_id!r})"]
    try:
        mine, everything, outcome = stored_rows(database, run_id)
    except sqlite3.Error as error:
        return [*problems, f"record: cannot read {database}: {error}"]
    if mine != spec.tests or everything != spec.tests:
        problems.append(
            f"record: {database.name} holds {mine} result rows for run {run_id} "
            f"and {everything} in all; expected {spec.tests} and {spec.tests}"
        )
    if outcome in (None, "running"):
        problems.append(f"record: run {run_id} is stored as {outcome!r}, not finished")
    return problems


def make_template(template: Path) -> None:
    """An empty session-log database with cockpit's current schema."""
    from cockpit.settings import DatabaseLocation
    from cockpit.store.session_log import SessionLog

    for stale in (template, *(template.with_name(template.name + s) for s in ("-wal", "-shm"))):
        stale.unlink(missing_ok=True)
    log = SessionLog.open(DatabaseLocation(f"sqlite:///{template}", "bench"))
    log.close()
    leftovers = [p.name for p in template.parent.glob(template.name + "-*")]
    if leftovers:
        raise SystemExit(f"bench_record: the template left {leftovers} behind")


def fresh_database(template: Path, database: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(template, database)


def measure(suite: Path, spec: SuiteSpec, rounds: int) -> Series:
    env = clean_env()
    DB_DIR.mkdir(parents=True, exist_ok=True)
    template, database = DB_DIR / "template.db", DB_DIR / "round.db"
    make_template(template)
    common = [
        str(cockpit_script()),
        "run",
        "--json",
        "--project",
        str(suite),
        "--python",
        sys.executable,
    ]
    argv = {
        "record": [*common, "--db", f"sqlite:///{database}", *NO_CACHE],
        "no-record": [*common, "--no-record", *NO_CACHE],
    }
    for side in SIDES:
        print(f"{side + ':':11}{' '.join(argv[side])}")
    series = Series()

    def run(side: str, label: str) -> RunOutput:
        if side == "record":
            fresh_database(template, database)
        output = timed_cockpit(argv[side], suite, env)
        series.problems += [f"{label}: {p}" for p in check_run(side, output, spec, database)]
        return output

    warm = {side: run(side, "warm-up") for side in SIDES}
    print(
        f"warm-up:  record {warm['record'].wall:6.2f} s   "
        f"no-record {warm['no-record'].wall:6.2f} s",
        flush=True,
    )
    for index in range(1, rounds + 1):
        order = SIDES if index % 2 else SIDES[::-1]
        outputs = {side: run(side, f"round {index}") for side in order}
        for side in SIDES:
            series.runs[side].append(outputs[side])
        record, bare = outputs["record"], outputs["no-record"]
        print(
            f"round {index}:  record {record.wall:6.2f} s (cpu {record.cpu:6.2f})   "
            f"no-record {bare.wall:6.2f} s (cpu {bare.cpu:6.2f})   "
            f"ratio {record.wall / bare.wall:.3f}   {order[0]} first",
            flush=True,
        )
    return series


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (5)")
    parser.add_argument("--tests", type=int, default=50_000, help="suite size (50000)")
    parser.add_argument("--modules", type=int, default=500, help="suite modules (500)")
    options = parser.parse_args(argv)
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    spec = SuiteSpec(tests=options.tests, modules=options.modules)
    name = f"suite{spec.tests // 1000}k" if spec.tests % 1000 == 0 else f"suite{spec.tests}"
    name += f"-{spec.modules}m" if spec.modules != 500 else ""
    suite = (WORK_DIR / name).resolve()
    print(f"bench_record: {machine_line()}")
    print(f"bench_record: {(source_before := source_line())}")
    ensure_suite(suite, spec, "bench_record")
    series = measure(suite, spec, options.rounds)
    ratio = series.ratio()
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    print(f"\nbench_record: done {machine_line()}")
    print(f"bench_record: {(source_after := source_line())}")
    if source_after.rsplit(" ", 1)[-1] != source_before.rsplit(" ", 1)[-1]:
        print("bench_record: WARNING: src/cockpit changed while this ran; the figures mix versions")
    print(
        f"median wall record {series.median('record'):.2f} s, "
        f"no-record {series.median('no-record'):.2f} s, "
        f"ratio {ratio:.3f} (goal <= {GOAL_RATIO}: {verdict}), "
        f"median of per-round ratios {series.paired_ratio():.3f}; "
        f"median cpu record {series.median('record', 'cpu'):.2f} s, "
        f"no-record {series.median('no-record', 'cpu'):.2f} s, ratio {series.ratio('cpu'):.3f}"
    )
    for problem in series.problems:
        print(f"bench_record: MISMATCH {problem}", file=sys.stderr)
    if series.problems:
        return 1
    print(
        f"checks: every run exited 0 with {spec.tests} passed; every recording run left "
        f"exactly {spec.tests} result rows for its run in a database holding no others"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
