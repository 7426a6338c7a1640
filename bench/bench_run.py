"""Wall time of ``cockpit run --json`` against bare ``pytest -q`` on 10,000 trivial tests.

What it measures, and why: cockpit runs pytest in a child process with its own plugin and
streams every test's events back over a pipe. On a suite of fast tests that bookkeeping is
the largest share it can add, so this is where the overhead goal (median cockpit wall time
at most 1.05x that of bare ``pytest -q``) is checked. The suite is 10,000 one-line tests
in 200 modules, written by ``bench/gen_suite.py`` into ``bench/.work/suite10k`` (git-ignored)
unless an identical one is already there.

How: one warm-up run of each command (it also writes the ``__pycache__`` both then share),
then ``--rounds`` rounds; each round runs both commands back to back, and the order flips
every round (cockpit first in odd rounds, pytest first in even ones) so that a slow or fast
spell of this noisy machine, or a warm cache left by the previous run, does not always
favour the same side. Both get ``-p no:cacheprovider`` (neither writes ``.pytest_cache``),
the same interpreter (this script's ``sys.executable``), the same working folder and the
same environment: this one without ``PYTEST_ADDOPTS``, ``PYTEST_PLUGINS``, ``COCKPIT_*``,
``PYTHONUNBUFFERED`` and ``PYTHONDONTWRITEBYTECODE`` (a sandbox may set the last two; a
user's shell usually does not), and with ``PYTHONPYCACHEPREFIX=bench/.work/pycache``, so
bytecode and pytest's rewritten test modules are cached as in a user's checkout, but only
ever written under the git-ignored ``bench/.work``.

- cockpit: the ``cockpit`` console script next to ``sys.executable``, as
  ``cockpit run --json --project SUITE --python sys.executable -p no:cacheprovider``. Its
  stdout (the one JSON object) is read from a pipe and parsed for the count check, not shown.
- pytest: ``python -m pytest -q -p no:cacheprovider``, its stdout and stderr read from a
  pipe that this script drains as it goes. A drained pipe, not ``/dev/null``, because that
  is what a user's terminal costs pytest: every write is a real ``write(2)`` to a reader
  that must keep up, and a terminal is never a sink that drops bytes for free. (A terminal
  would also make pytest colour its output, which a pipe does not: the pipe is slightly
  kinder to bare pytest.) The drained output also gives pytest's summary line.

For every run (warm-ups too), the counts in cockpit's JSON (``totals``) must equal those on pytest's
own summary line, both must equal what the generator wrote, and the exit codes must agree;
the script exits 1 if any of that fails. Each run's wall time and CPU time (user + system
of the whole process tree, from ``getrusage(RUSAGE_CHILDREN)``) are printed, then the
medians and the ratio median(cockpit) / median(pytest) (the goal's figure), and, as a
cross-check on a drifting machine, the median of the per-round ratios.

``--xdist`` adds a second comparison, identical but with ``-n 2`` (pytest-xdist) for both,
printed as a second ratio line.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gen_suite import SuiteSpec, describe, generate, manifest_spec

BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = BENCH_DIR / ".work"
GOAL_RATIO = 1.05
COUNT_KEYS = ("passed", "failed", "errors", "skipped", "xfailed", "xpassed")
NO_CACHE = ("-p", "no:cacheprovider")
XDIST_ARGS = ("-n", "2")
DROPPED_ENV_PREFIXES = (
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "COCKPIT_",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PYTHONPYCACHEPREFIX",
)

_SUMMARY = re.compile(r"^=*\s*(?P<body>.*?) in [0-9.]+s(?: \([0-9:]+\))?\s*=*$")
_PART = re.compile(r"^(\d+) (\w+)$")
_WORD_KEY = {
    "passed": "passed",
    "failed": "failed",
    "error": "errors",
    "errors": "errors",
    "skipped": "skipped",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
}


@dataclass(frozen=True, slots=True)
class Timing:
    """One run of one command."""

    wall: float
    cpu: float
    exit_code: int
    counts: dict[str, int] | None
    problem: str | None = None


@dataclass(slots=True)
class Comparison:
    """All timed runs of one variant (serial or xdist)."""

    label: str
    cockpit: list[Timing] = field(default_factory=list)
    pytest: list[Timing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def median(self, side: str, what: str) -> float:
        runs = self.cockpit if side == "cockpit" else self.pytest
        values: list[float] = [run.wall if what == "wall" else run.cpu for run in runs]
        return statistics.median(values)

    def ratio(self, what: str = "wall") -> float:
        return self.median("cockpit", what) / self.median("pytest", what)

    def paired_ratio(self) -> float:
        """Median of the per-round wall ratios: less sensitive to the machine drifting."""
        pairs = zip(self.cockpit, self.pytest, strict=True)
        return statistics.median(cockpit.wall / pytest.wall for cockpit, pytest in pairs)


def parse_pytest_summary(output: str) -> dict[str, int] | None:
    """Counts from pytest's last summary line (``3 failed, 9997 passed in 21.04s``)."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if not line:
            continue
        match = _SUMMARY.match(line)
        if match is None:
            return None
        counts = dict.fromkeys(COUNT_KEYS, 0)
        for part in match.group("body").split(", "):
            found = _PART.match(part.strip())
            if found is None:
                continue
            key = _WORD_KEY.get(found.group(2))
            if key is not None:
                counts[key] += int(found.group(1))
        return counts
    return None


def parse_cockpit_json(output: str) -> dict[str, int] | None:
    try:
        totals = json.loads(output)["totals"]
        return {key: int(totals[key]) for key in COUNT_KEYS}
    except (ValueError, KeyError, TypeError):
        return None


def child_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_process(
    argv: Sequence[str], cwd: Path, env: dict[str, str]
) -> tuple[float, float, subprocess.CompletedProcess[bytes]]:
    """Run ``argv`` to completion, its output drained from pipes: wall and CPU seconds."""
    cpu_before = child_cpu_seconds()
    started = time.perf_counter()
    completed = subprocess.run(
        list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False
    )
    return time.perf_counter() - started, child_cpu_seconds() - cpu_before, completed


def timed_run(argv: Sequence[str], cwd: Path, env: dict[str, str], cockpit: bool) -> Timing:
    """Run and time ``argv``, reading the counts cockpit's JSON or pytest's summary gives."""
    wall, cpu, completed = measure_process(argv, cwd, env)
    stdout = completed.stdout.decode("utf-8", "replace")
    counts = parse_cockpit_json(stdout) if cockpit else parse_pytest_summary(stdout)
    problem = None
    if counts is None:
        name = "cockpit's JSON" if cockpit else "pytest's summary line"
        tail = (stdout + completed.stderr.decode("utf-8", "replace")).strip()[-600:]
        problem = f"could not read {name} (exit {completed.returncode}):\n{tail}"
    return Timing(wall, cpu, completed.returncode, counts, problem)


def expected_counts(spec: SuiteSpec) -> dict[str, int]:
    counts = dict.fromkeys(COUNT_KEYS, 0)
    counts["passed"] = spec.tests - spec.failing
    counts["failed"] = spec.failing
    return counts


def check_pair(cockpit: Timing, pytest: Timing, spec: SuiteSpec) -> list[str]:
    """What is wrong with one round's pair of runs (empty when the counts all agree)."""
    problems = [run.problem for run in (cockpit, pytest) if run.problem]
    if problems:
        return problems
    expected = expected_counts(spec)
    if cockpit.counts != pytest.counts:
        problems.append(f"counts differ: cockpit {cockpit.counts} vs pytest {pytest.counts}")
    if pytest.counts != expected:
        problems.append(f"pytest counted {pytest.counts}, the suite holds {expected}")
    if cockpit.exit_code != pytest.exit_code:
        problems.append(
            f"exit codes differ: cockpit {cockpit.exit_code}, pytest {pytest.exit_code}"
        )
    return problems


def clean_env() -> dict[str, str]:
    """The environment both commands run in: a user's, with bytecode cached under .work."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(DROPPED_ENV_PREFIXES)
    }
    env["PYTHONPYCACHEPREFIX"] = str(WORK_DIR / "pycache")
    return env


def cockpit_script() -> Path:
    script = Path(sys.executable).parent / "cockpit"
    if not script.is_file():
        raise SystemExit(f"bench_run: no cockpit console script at {script}")
    return script


def ensure_suite(dest: Path, spec: SuiteSpec, label: str = "bench_run") -> None:
    """Generate the suite unless ``dest`` already holds exactly this one."""
    if manifest_spec(dest) == spec:
        print(f"{label}: reusing {dest} ({spec.tests} tests, {spec.modules} modules)")
        return
    print(describe(generate(dest, spec)), flush=True)


def compare(
    label: str,
    suite: Path,
    spec: SuiteSpec,
    rounds: int,
    extra: Sequence[str],
) -> Comparison:
    env = clean_env()
    cockpit_argv = [
        str(cockpit_script()),
        "run",
        "--json",
        "--project",
        str(suite),
        "--python",
        sys.executable,
        *NO_CACHE,
        *extra,
    ]
    pytest_argv = [sys.executable, "-m", "pytest", "-q", *NO_CACHE, *extra]
    print(f"\n== {label}")
    print(f"cockpit: {' '.join(cockpit_argv)}")
    print(f"pytest:  {' '.join(pytest_argv)}")
    result = Comparison(label)

    def run(side: str) -> Timing:
        if side == "cockpit":
            return timed_run(cockpit_argv, suite, env, cockpit=True)
        return timed_run(pytest_argv, suite, env, cockpit=False)

    warm_cockpit, warm_pytest = run("cockpit"), run("pytest")
    print(f"warm-up:  cockpit {warm_cockpit.wall:6.2f} s   pytest {warm_pytest.wall:6.2f} s")
    result.problems += [f"warm-up: {p}" for p in check_pair(warm_cockpit, warm_pytest, spec)]
    for index in range(1, rounds + 1):
        order = ("cockpit", "pytest") if index % 2 else ("pytest", "cockpit")
        timings = {side: run(side) for side in order}
        cockpit, pytest = timings["cockpit"], timings["pytest"]
        result.cockpit.append(cockpit)
        result.pytest.append(pytest)
        result.problems += [f"round {index}: {p}" for p in check_pair(cockpit, pytest, spec)]
        print(
            f"round {index}:  cockpit {cockpit.wall:6.2f} s (cpu {cockpit.cpu:6.2f})   "
            f"pytest {pytest.wall:6.2f} s (cpu {pytest.cpu:6.2f})   "
            f"ratio {cockpit.wall / pytest.wall:.3f}   {order[0]} first",
            flush=True,
        )
    return result


def summary_line(result: Comparison) -> str:
    ratio = result.ratio()
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    return (
        f"{result.label}: median wall cockpit {result.median('cockpit', 'wall'):.2f} s, "
        f"pytest -q {result.median('pytest', 'wall'):.2f} s, "
        f"ratio {ratio:.3f} (goal <= {GOAL_RATIO}: {verdict}), "
        f"median of per-round ratios {result.paired_ratio():.3f}; "
        f"median cpu cockpit {result.median('cockpit', 'cpu'):.2f} s, "
        f"pytest {result.median('pytest', 'cpu'):.2f} s, ratio {result.ratio('cpu'):.3f}"
    )


def source_line() -> str:
    """Which cockpit was measured: the commit, and a digest of the working tree's sources."""
    repo = BENCH_DIR.parent
    digest = hashlib.sha256()
    for path in sorted((repo / "src" / "cockpit").rglob("*.py")):
        digest.update(path.relative_to(repo).as_posix().encode() + b"\0" + path.read_bytes())
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        head, dirty = "unknown", ""
    state = " with uncommitted changes in src/" if dirty else ""
    return f"cockpit at {head}{state}, src/cockpit digest {digest.hexdigest()[:12]}"


def machine_line() -> str:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    versions = []
    for dist in ("pytest", "pytest-xdist"):
        try:
            versions.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{dist} missing")
    return (
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {', '.join(versions)}, load average {load}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per variant (5)")
    parser.add_argument(
        "--xdist", action="store_true", help="also compare both with -n 2 (pytest-xdist)"
    )
    parser.add_argument(
        "--fail-every",
        type=int,
        default=0,
        metavar="N",
        help="use a suite where every N-th test fails (default: all pass)",
    )
    parser.add_argument("--tests", type=int, default=10_000, help="suite size (10000)")
    parser.add_argument("--modules", type=int, default=200, help="suite modules (200)")
    parser.add_argument("--suite", type=Path, default=None, help="where the suite is generated")
    options = parser.parse_args(argv)
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    spec = SuiteSpec(tests=options.tests, modules=options.modules, fail_every=options.fail_every)
    default_name = f"suite{spec.tests // 1000}k" if spec.tests % 1000 == 0 else f"suite{spec.tests}"
    default_name += f"-{spec.modules}m" if spec.modules != 200 else ""
    default_name += f"-fail{spec.fail_every}" if spec.fail_every else ""
    suite: Path = (options.suite or WORK_DIR / default_name).resolve()
    print(f"bench_run: {machine_line()}")
    print(f"bench_run: {source_line()}")
    ensure_suite(suite, spec)
    results = [compare("serial", suite, spec, options.rounds, ())]
    if options.xdist:
        results.append(compare("xdist -n 2", suite, spec, options.rounds, XDIST_ARGS))
    print(f"\nbench_run: done {machine_line()}")
    for result in results:
        print(summary_line(result))
    problems = [problem for result in results for problem in result.problems]
    for problem in problems:
        print(f"bench_run: MISMATCH {problem}", file=sys.stderr)
    if problems:
        return 1
    expected = expected_counts(spec)
    print(f"counts: cockpit's JSON = pytest's summary line = {expected} in every run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
