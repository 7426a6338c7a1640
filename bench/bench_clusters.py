"""Clustering 50,000 failures, as a ratio to the pytest run that produced them.

Root causes must be cheap enough to compute live, on every result, so clustering a run's
failures has to cost far less than the run itself. This writes a suite of N failing tests
(default 50,000 in 500 modules) whose failures fall into a few known root-cause families
(a library error wrapped in the same way everywhere, a project error raised at one line,
parametrized assertion failures, a missing fixture), runs it once with
``cockpit run --json`` recording into a fresh SQLite log, then clusters the recorded
failures in-process (median of ``--repeat`` passes, reading the database excluded) and
once more end to end with ``cockpit clusters --json``.

It prints the run's wall time, the clustering time, their ratio, and checks that the
clusters found are exactly the planted families.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
WORK = BENCH / ".work" / "clusters"
COCKPIT = Path(sys.executable).with_name("cockpit")

HELPERS = """\
import json


class LedgerError(Exception):
    pass


def post(amount):
    raise LedgerError(f"cannot post {amount} to a closed ledger")


def parse(text):
    return json.loads(text)


def check_double(n):
    assert n * 2 == n + 1
"""

MODULE = """\
import pytest

from app.helpers import check_double, parse, post


@pytest.mark.parametrize("n", range({start}, {stop}))
def test_case(n):
    family = n % 4
    if family == 0:
        post(n)
    elif family == 1:
        parse("{{" + str(n))
    elif family == 2:
        check_double(n)
    else:
        pytest.fail(f"fixture 'tenant_{{n}}' not found", pytrace=False)
"""


def write_suite(root: Path, tests: int, modules: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    (root / "app").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pytest.ini").write_text("[pytest]\naddopts = --tb=native\n")
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "helpers.py").write_text(HELPERS)
    per_module = tests // modules
    for index in range(modules):
        start = index * per_module
        body = MODULE.format(start=start, stop=start + per_module)
        (root / "tests" / f"test_m{index:03d}.py").write_text(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=50_000)
    parser.add_argument("--modules", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()

    sys.path.insert(0, str(BENCH.parent / "src"))
    from cockpit.rootcause.clusters import Clusterer
    from cockpit.store.database import DatabaseLocation, open_engine
    from cockpit.store.session_log import SessionLog

    suite = WORK / "suite"
    write_suite(suite, options.tests, options.modules)
    database = WORK / "cockpit.db"
    for leftover in WORK.glob("cockpit.db*"):
        leftover.unlink()
    url = f"sqlite:///{database}"

    started = time.perf_counter()
    completed = subprocess.run(
        [
            str(COCKPIT),
            "run",
            "--json",
            "--db",
            url,
            "--project",
            str(suite),
            "--python",
            sys.executable,
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    run_wall = time.perf_counter() - started
    report = json.loads(completed.stdout)
    failing = report["totals"]["failed"] + report["totals"]["errors"]
    print(
        f"run: {options.tests} tests, {failing} failing, wall {run_wall:.2f} s, "
        f"pytest session {report['duration']:.2f} s"
    )

    log = SessionLog(open_engine(DatabaseLocation(url, "bench")))
    run = log.run(report["run_id"])
    outcomes = log.outcomes(run.id)
    failures = sorted(log.failures(run.id).items())
    log.close()

    timings = []
    clusters = []
    for _ in range(options.repeat):
        started = time.perf_counter()
        clusterer = Clusterer(run.rootdir)
        for nodeid, failure in failures:
            stored = outcomes[nodeid]
            clusterer.add(nodeid, stored.module, stored.outcome, failure.message, failure.longrepr)
        clusters = clusterer.clusters()
        timings.append(time.perf_counter() - started)
    clustering = statistics.median(timings)

    started = time.perf_counter()
    cli = subprocess.run(
        [str(COCKPIT), "clusters", "--json", "--db", url],
        capture_output=True,
        text=True,
        check=True,
    )
    cli_wall = time.perf_counter() - started
    cli_clusters = json.loads(cli.stdout)

    print(
        f"clustering {len(failures)} failures in-process: median {clustering:.3f} s "
        f"over {options.repeat} passes ({[round(t, 3) for t in timings]})"
    )
    print(f"cockpit clusters --json end to end (reading the log included): {cli_wall:.2f} s")
    print(
        f"ratio clustering / run wall: {clustering / run_wall:.4f}; "
        f"cockpit clusters / run wall: {cli_wall / run_wall:.4f}"
    )
    for cluster in clusters:
        print(f"  {cluster.count:6d} x {cluster.signature.key[:100]}")

    planted = 4
    ok = (
        len(clusters) == planted
        and sum(c.count for c in clusters) == failing == options.tests
        and len(cli_clusters) == planted
    )
    print("check: the planted families were found exactly" if ok else "check FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
