"""The source fingerprint a run takes at its start, against the collection of the same suite.

Every recorded run fingerprints the project's files (``cockpit.store.sources``) so that a
test flipping between two runs with the same fingerprint reads as flaky. The fingerprint
must stay well under 50 ms on a 500-module project, and small beside what pytest spends
before the first test anyway. This writes a 500-module suite (``gen_suite.py``, 5,000
tests) plus 100 application modules, a ``pyproject.toml``, a ``.git`` and a ``.venv`` of
2,000 Python files that must be skipped, then alternates two measurements per round:

* the fingerprint, in-process (``source_digest``; the files' metadata is in the page cache,
  as it is for a user who just saved a file);
* ``pytest --collect-only -q -p no:cacheprovider`` on the same project (the baseline: the
  collection every run pays before its first test).

It prints both medians, their ratio, and the fingerprint of the same tree with file
contents hashed instead of stat'ed, for comparison. It exits 1 if the fingerprint misses
the 50 ms budget or fails to change after a file is touched.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_run import clean_env, ensure_suite, machine_line, source_line
from gen_suite import SuiteSpec

from cockpit.store.sources import source_digest, source_files

BENCH = Path(__file__).resolve().parent
WORK = BENCH / ".work" / "sources"
BUDGET_SECONDS = 0.050


def add_project_files(root: Path) -> None:
    """Application modules, config and the folders a real checkout has that must be skipped."""
    for index in range(100):
        path = root / "app" / f"pkg{index // 20}" / f"mod{index}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"VALUE = {index}\n")
        (path.parent / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    for index in range(2000):
        path = root / ".venv" / "lib" / "site-packages" / f"dist{index // 100}" / f"m{index}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    (root / ".git" / "objects").mkdir(parents=True, exist_ok=True)


def content_digest(root: Path) -> str:
    """The alternative not taken: hash every counted file's bytes."""
    digest = hashlib.sha256()
    for relative, _, _ in source_files(root):
        digest.update(relative.encode() + b"\0" + (root / relative).read_bytes())
    return digest.hexdigest()


def timed(function: Callable[[Path], str], root: Path) -> float:
    started = time.perf_counter()
    function(root)
    return time.perf_counter() - started


def collect_seconds(root: Path) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"bench_sources: collection failed:\n{completed.stdout[-500:]!r}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args(argv)
    root = WORK / "suite500"
    ensure_suite(root, SuiteSpec(tests=5000, modules=500), label="bench_sources")
    add_project_files(root)
    counted = len(source_files(root))
    print(f"bench_sources: {counted} files counted (the .venv's 2,000 skipped)")
    print(machine_line())
    print(source_line())

    digests: list[float] = []
    contents: list[float] = []
    collects: list[float] = []
    timed(source_digest, root)  # warm-up: the page cache, as after a save
    collect_seconds(root)
    for round_index in range(options.rounds):
        first_digest = round_index % 2 == 0
        if not first_digest:
            collects.append(collect_seconds(root))
        digests.append(timed(source_digest, root))
        contents.append(timed(content_digest, root))
        if first_digest:
            collects.append(collect_seconds(root))

    before = source_digest(root)
    touched = root / "app" / "pkg0" / "mod0.py"
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    changed = source_digest(root) != before

    digest_ms = statistics.median(digests) * 1000
    content_ms = statistics.median(contents) * 1000
    collect_ms = statistics.median(collects) * 1000
    print(f"fingerprint (stat)     median {digest_ms:7.1f} ms over {options.rounds} rounds")
    print(f"fingerprint (contents) median {content_ms:7.1f} ms")
    print(f"pytest --collect-only  median {collect_ms:7.1f} ms")
    print(f"ratio fingerprint / collection: {digest_ms / collect_ms:.3f}")
    print(f"budget {BUDGET_SECONDS * 1000:.0f} ms: {'met' if digest_ms < 50 else 'NOT met'}")
    print(f"a touched file changes the fingerprint: {changed}")
    return 0 if changed and digest_ms < BUDGET_SECONDS * 1000 else 1


if __name__ == "__main__":
    sys.exit(main())
