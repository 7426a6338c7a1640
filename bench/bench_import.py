"""Wall time of ``cockpit import`` of a 50,000-test JUnit file, and its memory on 200 MB files.

What it measures, and why: a fix session that starts from a red CI job starts with
``cockpit import junit.xml``; it should cost a small part of what producing the file cost,
and start-up-like time where it can. Two ratios, each against a baseline timed in the same
rounds (alternating order, medians):

- ``import / pytest``: importing the file against pytest's own run that wrote it
  (``pytest -q -p no:cacheprovider --junitxml=...`` on the suite, the CI's side);
- ``import / --version``: against ``cockpit --version``, the floor any cockpit command pays.

The workload: ``gen_suite.py``'s suite of 50,000 trivial tests in 500 modules, every 50th
failing (1,000 failures with tracebacks), in ``bench/.work/suite50k``. Each round pytest
writes a fresh JUnit file, and it is imported into a fresh session log (``--db``, a SQLite
file created beforehand by ``cockpit runs``, so schema creation is not timed): parsing,
node-id resolution against the suite's files, root-cause signatures, every row written in
one transaction. Checked every round: exit 0, and the import's totals equal pytest's
summary line.

``--big`` instead measures peak memory (``ru_maxrss`` of the import process, from
``wait4``) on two synthetic 200 MB JUnit files written by this script (no pytest): one of
~170,000 testcases, every 10th failing with a traceback and captured output, and one whose
single failing testcase holds 200 MB of ``system-out``. Against the 50,000-test import's
peak, they show whether memory follows the file (it must not) or the number of tests.

    .venv/bin/python bench/bench_import.py --rounds 3
    .venv/bin/python bench/bench_import.py --big
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench_run import WORK_DIR, clean_env, cockpit_script, ensure_suite, machine_line, source_line
from gen_suite import SuiteSpec

SPEC = SuiteSpec(tests=50_000, modules=500, fail_every=50)
SUITE = WORK_DIR / "suite50k"
IMPORTS = WORK_DIR / "import"
MB = 1024 * 1024


def run(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, bytes, int]:
    """Run ``argv``, its output read from a pipe: (wall seconds, exit code, stdout, peak RSS
    in KiB of that process alone)."""
    out_path = IMPORTS / "stdout.tmp"
    started = time.perf_counter()
    with out_path.open("wb") as out:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, process.returncode, out_path.read_bytes(), usage.ru_maxrss


def pytest_counts(output: bytes) -> dict[str, int]:
    line = output.decode("utf-8", "replace").strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed)", line)}


def fresh_log(cockpit: Path, env: dict[str, str], name: str) -> str:
    path = IMPORTS / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    _, code, out, _ = run([str(cockpit), "runs", "--json", "--db", url], IMPORTS, env)
    assert code == 0, out
    return url


def import_once(
    cockpit: Path, env: dict[str, str], junit: Path, name: str
) -> tuple[float, dict, int]:
    url = fresh_log(cockpit, env, name)
    argv = [str(cockpit), "import", str(junit), "--json", "--db", url, "--project", str(SUITE)]
    wall, code, out, rss = run(argv, SUITE, env)
    if code != 0:
        raise SystemExit(f"cockpit import failed (exit {code}): {out[-800:]!r}")
    return wall, json.loads(out), rss


def timing(rounds: int) -> int:
    ensure_suite(SUITE, SPEC, "bench_import")
    IMPORTS.mkdir(parents=True, exist_ok=True)
    env, cockpit = clean_env(), cockpit_script()
    times: dict[str, list[float]] = {"pytest": [], "version": [], "import": []}
    peaks: list[int] = []
    failures = 0
    for round_number in range(rounds + 1):  # round 0 warms up
        junit = IMPORTS / "junit-50k.xml"
        steps = ["pytest", "version", "import"]
        if round_number % 2:
            steps = ["version", "pytest", "import"]  # the import needs pytest's file first
        for step in steps:
            if step == "pytest":
                argv = [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    f"--junitxml={junit}",
                ]
                wall, code, out, _ = run(argv, SUITE, env)
                counts = pytest_counts(out)
            elif step == "version":
                wall, code, out, _ = run([str(cockpit), "--version"], IMPORTS, env)
                assert code == 0 and out.startswith(b"cockpit "), out
            else:
                wall, imported, rss = import_once(cockpit, env, junit, f"round{round_number}")
                got = {k: v for k, v in imported["totals"].items() if v}
                if got != counts:
                    print(f"round {round_number}: import {got} != pytest {counts}")
                    failures += 1
                peaks.append(rss)
            if round_number:
                times[step].append(wall)
        if round_number:
            print(
                f"round {round_number}: pytest {times['pytest'][-1]:.2f}s  "
                f"version {times['version'][-1] * 1000:.0f}ms  import {times['import'][-1]:.2f}s"
            )
    median = {step: statistics.median(values) for step, values in times.items()}
    print(f"file: {junit.stat().st_size / MB:.1f} MB, {SPEC.tests} tests, {SPEC.failing} failing")
    print(
        f"medians: pytest writing it {median['pytest']:.2f}s, cockpit --version "
        f"{median['version'] * 1000:.0f}ms, cockpit import {median['import']:.2f}s "
        f"(peak RSS {max(peaks) / 1024:.0f} MB)"
    )
    print(f"import / pytest: {median['import'] / median['pytest']:.3f}")
    print(f"import / --version: {median['import'] / median['version']:.1f}")
    return 1 if failures else 0


def write_many(path: Path, target: int) -> int:
    """~``target`` bytes of JUnit: testcases in 2,000 modules, every 10th failing."""
    traceback = "".join(f"    frame {i}: value = compute(value)\n" for i in range(12))
    output = "captured line of output\n" * 20
    header = " Captured Out ".center(80, "-")
    count = 0
    with path.open("w") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">')
        while out.tell() < target:
            module, test = divmod(count, 100)
            name = f"test_{test}[{count}]"
            out.write(f'<testcase classname="tests.test_m{module:04d}" name="{name}" time="0.001">')
            if count % 10 == 0:
                out.write(
                    f'<failure message="AssertionError: assert {count} == {count + 1}">'
                    f"{traceback}E       assert {count} == {count + 1}\n\n"
                    f"tests/test_m{module:04d}.py:{test + 3}: AssertionError</failure>"
                    f"<system-out>{header}\n{output}</system-out>"
                )
            out.write("</testcase>")
            count += 1
        out.write("</testsuite></testsuites>")
    return count


def write_huge_output(path: Path, target: int) -> None:
    """One failing testcase whose ``system-out`` is ~``target`` bytes."""
    header = " Captured Out ".center(80, "-")
    line = "x" * 99 + "\n"
    with path.open("w") as out:
        out.write('<testsuites><testsuite><testcase classname="tests.test_a" name="test_loud">')
        out.write('<failure message="boom">tests/test_a.py:3: ValueError</failure>')
        out.write(f"<system-out>{header}\n")
        block = line * 10_000
        while out.tell() < target:
            out.write(block)
        out.write("</system-out></testcase></testsuite></testsuites>")


def big() -> int:
    IMPORTS.mkdir(parents=True, exist_ok=True)
    env, cockpit = clean_env(), cockpit_script()
    many, huge = IMPORTS / "many-200mb.xml", IMPORTS / "huge-output-200mb.xml"
    tests = write_many(many, 200 * MB)
    write_huge_output(huge, 200 * MB)
    for name, path, expected in (("many", many, tests), ("huge-output", huge, 1)):
        url = fresh_log(cockpit, env, f"big-{name}")
        argv = [str(cockpit), "import", str(path), "--json", "--db", url, "--project", str(IMPORTS)]
        wall, code, out, rss = run(argv, IMPORTS, env)
        if code != 0:
            print(f"{name}: exit {code}: {out[-600:]!r}")
            return 1
        result = json.loads(out)
        assert result["collected"] == expected, (result["collected"], expected)
        print(
            f"{name}: {path.stat().st_size / MB:.0f} MB, {expected} tests: {wall:.1f}s, "
            f"peak RSS {rss / 1024:.0f} MB"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big", action="store_true", help="peak memory on 200 MB files")
    options = parser.parse_args(argv)
    print(machine_line())
    print(source_line())
    code = big() if options.big else timing(options.rounds)
    print(source_line())
    return code


if __name__ == "__main__":
    sys.exit(main())
