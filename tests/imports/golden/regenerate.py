"""Write the golden CI result files ``cockpit import`` is tested on, from real pytest runs.

    .venv/bin/python tests/imports/golden/regenerate.py

Each fixture project under ``tests/projects/`` is copied to ``/tmp/cockpit-golden/<name>``
(a fixed temporary path: messages naming it normalise like a test's own temporary folder)
and run with pytest's own ``--junitxml`` (pytest 8's default family xunit2, and xunit1) or
pytest-reportlog's ``--report-log``. Review the diff after regenerating: the tests compare
imports of these files with live cockpit runs of the same projects, test by test.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECTS = HERE.parent.parent / "projects"
WORK = Path("/tmp/cockpit-golden")

# (output file, project, pytest arguments)
GOLDEN = (
    ("import_shapes.xunit2.xml", "import_shapes", ["--junitxml={out}", "-o", "junit_logging=all"]),
    (
        "import_shapes.xunit1.xml",
        "import_shapes",
        ["--junitxml={out}", "-o", "junit_family=xunit1"],
    ),
    ("import_shapes.reportlog.jsonl", "import_shapes", ["--report-log={out}"]),
    (
        "outcomes.xml",
        "outcomes",
        ["--junitxml={out}", "--deselect", "tests/test_output.py::test_prints_10mb"],
    ),
    (
        "outcomes.reportlog.jsonl",
        "outcomes",
        ["--report-log={out}", "--deselect", "tests/test_output.py::test_prints_10mb"],
    ),
    (
        "collection_error.xml",
        "collection_error",
        ["--junitxml={out}", "--continue-on-collection-errors"],
    ),
    # Two CI shards: the halves of one suite, merged by one `cockpit import`.
    (
        "app_small.shard-1.xml",
        "app_small",
        ["--junitxml={out}", "tests/test_posts.py"],
    ),
    (
        "app_small.shard-2.xml",
        "app_small",
        ["--junitxml={out}", "tests/test_tags.py", "tests/test_util.py"],
    ),
)


def main() -> None:
    for name, project, args in GOLDEN:
        folder = WORK / project
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(PROJECTS / project, folder, ignore=shutil.ignore_patterns("__pycache__"))
        out = HERE / name
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
        command += [arg.format(out=out) for arg in args]
        subprocess.run(command, cwd=folder, stdout=subprocess.DEVNULL, check=False)
        print(f"{name}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
