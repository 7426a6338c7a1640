"""A run's snapshot of the project's files, against the collection of the same project.

Every recorded run snapshots the project's source files (``cockpit.store.snapshots``): a
content digest per file, and the content of each file the session log does not hold yet,
compressed, so a fix can show its change. The first run reads every file; later runs read
only the files whose size or modification time changed since the last snapshot. The work
runs in a thread while pytest starts, so what matters is that it is small beside what
pytest spends before its first test. On a copy of SQLAlchemy's own source (a large real
package, ~8 MB of Python) plus a 500-module suite, each round measures, alternating:

* **first**: a snapshot into a fresh SQLite session log (read, hash, compress, insert);
* **unchanged**: the next run's snapshot with nothing edited (a stat walk and a query);
* **one edit**: the next run's after one file changed;
* the baseline: ``pytest --collect-only -q -p no:cacheprovider`` on the suite.

It prints the medians and their ratios to the collection, and the size the first snapshot
added to the database file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy
from bench_run import clean_env, ensure_suite, machine_line, source_line
from gen_suite import SuiteSpec

from cockpit.settings import DatabaseLocation
from cockpit.store.session_log import SessionLog
from cockpit.store.snapshots import read_project_files

WORK = Path(__file__).resolve().parent / ".work" / "snapshots"


def make_tree() -> Path:
    root = WORK / "project"
    ensure_suite(root, SuiteSpec(tests=5000, modules=500), label="bench_snapshots")
    package = root / "vendored" / "sqlalchemy"
    if not package.is_dir():
        shutil.copytree(
            Path(sqlalchemy.__file__).parent,
            package,
            ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyc"),
        )
    return root


def snapshot_once(log: SessionLog, root: Path) -> float:
    started = time.perf_counter()
    run_id = log.begin_run([], whole_suite=True, selection_reason="bench", interpreter="py")
    log.record_snapshot(run_id, read_project_files(root, log.last_snapshot_files()))
    return time.perf_counter() - started


def collect_seconds(root: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - started


def stored_bytes(database: Path) -> int:
    """The log's size on disk: the file and its write-ahead log (WAL mode)."""
    wal = database.with_name(database.name + "-wal")
    return database.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def measure_round(root: Path, edited: Path) -> tuple[float, float, float, int]:
    with tempfile.TemporaryDirectory(dir=WORK) as folder:
        database = Path(folder) / "cockpit.db"
        log = SessionLog.open(DatabaseLocation(f"sqlite:///{database}", "bench"))
        try:
            size_before = stored_bytes(database)
            first = snapshot_once(log, root)
            size_after = stored_bytes(database)
            unchanged = snapshot_once(log, root)
            stat = edited.stat()
            with edited.open("a", encoding="utf-8") as handle:
                handle.write("# edited by bench_snapshots\n")
            os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
            one_edit = snapshot_once(log, root)
        finally:
            log.close()
    return first, unchanged, one_edit, size_after - size_before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args(argv)
    root = make_tree()
    edited = root / "vendored" / "sqlalchemy" / "orm" / "session.py"
    original = edited.read_bytes()
    files = read_project_files(root, {})
    total = sum(state.size for state in files.states.values())
    print(f"bench_snapshots: {len(files.states)} files, {total / 1e6:.1f} MB of source")
    print(machine_line())
    print(source_line())
    firsts, unchanged, edits, collects, sizes = [], [], [], [], []
    collect_seconds(root)  # warm-up: the page cache and pytest's own bytecode
    try:
        for index in range(options.rounds):
            if index % 2:
                collects.append(collect_seconds(root))
            first, same, edit, size = measure_round(root, edited)
            edited.write_bytes(original)
            firsts.append(first)
            unchanged.append(same)
            edits.append(edit)
            sizes.append(size)
            if not index % 2:
                collects.append(collect_seconds(root))
    finally:
        edited.write_bytes(original)
    collect = statistics.median(collects)
    for label, values in (("first", firsts), ("unchanged", unchanged), ("one edit", edits)):
        median = statistics.median(values)
        print(
            f"snapshot, {label:<9} median {median * 1000:7.1f} ms, "
            f"/ pytest --collect-only {median / collect:.3f}"
        )
    print(f"pytest --collect-only median {collect * 1000:7.1f} ms")
    print(f"the first snapshot added {statistics.median(sizes) / 1e6:.1f} MB to the log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
