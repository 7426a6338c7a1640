"""Root causes on real third-party suites, broken the way real code breaks.

Each project is downloaded once as an sdist (``pip download --no-binary :all: --no-deps``,
see ``bench_watch_common``) and tested by a separate virtualenv, its source on
``PYTHONPATH``. For every break: a fresh copy, a recorded ``cockpit run`` of the pristine
suite (the run the regression grouping compares with), the break, then bare ``pytest -q``
and a recorded ``cockpit run``, and ``cockpit clusters --json``. It prints, per break,
pytest's counts against cockpit's (they must agree), how many failures pytest lists one by
one, how many root causes cockpit groups them into, and what the largest one holds.

    .venv/bin/python bench/bench_rootcause_suites.py [--only attrs] [--json FILE]

Not part of CI: it downloads three sdists and runs each suite about twenty times.
Exit status 1 when a count differs between pytest and cockpit.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_watch_common import PROJECTS, REPO, WORK, commit, ensure_venv, fresh_copy, log
from bench_watch_common import project_env as watch_env

COCKPIT = REPO / ".venv" / "bin" / "cockpit"
TREES = WORK.parent / "rootcause"
SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)")
CONTINUE = "--continue-on-collection-errors"
"""cockpit passes it to pytest (so one broken module hides nothing else); bare pytest gets
it too, so both count the same run."""


@dataclass(frozen=True)
class Break:
    project: str
    name: str
    what: str
    path: str
    old: str
    new: str


BREAKS = (
    Break(
        "attrs",
        "deleted-import",
        "`import weakref` deleted from attr/_make.py (tests/conftest.py imports attr)",
        "src/attr/_make.py",
        "import weakref\n",
        "",
    ),
    Break(
        "attrs",
        "wrong-value",
        '`", ".join` -> `",".join` in the repr helper of attr/_make.py',
        "src/attr/_make.py",
        'repr_fragment = ", ".join(attribute_fragments)',
        'repr_fragment = ",".join(attribute_fragments)',
    ),
    Break(
        "attrs",
        "syntax-error",
        "a syntax error in attr/validators.py",
        "src/attr/validators.py",
        "def set_disabled(disabled):",
        "def set_disabled(disabled:",
    ),
    Break(
        "tomlkit",
        "wrong-value",
        '`"".join` -> `" ".join` in tomlkit/_utils.escape_string',
        "tomlkit/_utils.py",
        '    flush()\n\n    return "".join(res)',
        '    flush()\n\n    return " ".join(res)',
    ),
    Break(
        "tomlkit",
        "syntax-error",
        "a syntax error in tomlkit/container.py",
        "tomlkit/container.py",
        "def _is_empty_aot(item: Item) -> bool:",
        "def _is_empty_aot(item: Item) -> bool",
    ),
    Break(
        "itsdangerous",
        "deleted-import",
        "`import base64` deleted from itsdangerous/encoding.py",
        "src/itsdangerous/encoding.py",
        "import base64\n",
        "",
    ),
    Break(
        "itsdangerous",
        "wrong-value",
        '`rstrip(b"=")` -> `rstrip(b"-")` in itsdangerous/encoding.base64_encode',
        "src/itsdangerous/encoding.py",
        'urlsafe_b64encode(string).rstrip(b"=")',
        'urlsafe_b64encode(string).rstrip(b"-")',
    ),
)


def env_for(project: str, tree: Path) -> dict[str, str]:
    return watch_env(PROJECTS[project], tree)


def pytest_counts(python: Path, tree: Path, env: dict[str, str]) -> tuple[int, dict[str, int], int]:
    """Bare ``pytest -q``: exit code, the closing line's counts, failures it lists."""
    argv = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", CONTINUE]
    done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    last = lines[-1] if lines else ""
    counts = {
        word.rstrip("s") if word.startswith("error") else word: int(n)
        for n, word in SUMMARY.findall(last)
    }
    listed = sum(1 for line in lines if line.startswith(("FAILED ", "ERROR ")))
    return done.returncode, counts, listed


def cockpit_run(python: Path, tree: Path, env: dict[str, str]) -> dict[str, Any]:
    argv = [str(COCKPIT), "run", "--json", "--python", str(python), "-p", "no:cacheprovider"]
    done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True)
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def cockpit_clusters(tree: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(COCKPIT), "clusters", "--json"], cwd=tree, env=env, capture_output=True, text=True
    )
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found


def apply(breaking: Break, tree: Path) -> None:
    file = tree / breaking.path
    text = file.read_text(encoding="utf-8")
    if breaking.old not in text:
        raise SystemExit(f"bench: {breaking.path} has no {breaking.old!r}: the sdist changed")
    file.write_text(text.replace(breaking.old, breaking.new, 1), encoding="utf-8")


def measure(breaking: Break, python: Path) -> dict[str, Any]:
    tree = fresh_copy(PROJECTS[breaking.project], TREES / f"{breaking.project}-{breaking.name}")
    env = env_for(breaking.project, tree)
    pristine = cockpit_run(python, tree, env)
    apply(breaking, tree)
    started = time.monotonic()
    code, counts, listed = pytest_counts(python, tree, env)
    pytest_seconds = time.monotonic() - started
    data = cockpit_run(python, tree, env)
    causes = cockpit_clusters(tree, env)
    totals = data["totals"]
    theirs = {key: counts.get(key.rstrip("s") if key == "errors" else key, 0) for key in totals}
    largest = causes[0] if causes else None
    return {
        "project": breaking.project,
        "break": breaking.name,
        "what": breaking.what,
        "pristine": pristine["totals"],
        "pytest_exit": code,
        "pytest_counts": theirs,
        "pytest_listed": listed,
        "pytest_seconds": round(pytest_seconds, 2),
        "cockpit_exit": data["exit_code"],
        "cockpit_outcome": data["outcome"],
        "cockpit_counts": totals,
        "counts_agree": theirs == totals and code == data["exit_code"],
        "root_causes": len(causes),
        "failing": sum(int(cause["count"]) for cause in causes),
        "largest": None
        if largest is None
        else {
            "count": largest["count"],
            "key": largest["signature"],
            "outcomes": largest["outcomes"],
            "location": largest["location"],
            "raised_in": largest["raised_in"],
            "hint_rule": largest["hint_rule"],
            "hint": largest["hint"],
        },
        "startup_error": data.get("startup_error"),
    }


def row(result: dict[str, Any]) -> str:
    largest = result["largest"]
    held = "-"
    if largest is not None:
        rule = f", hint `{largest['hint_rule']}`" if largest["hint_rule"] else ""
        held = f"{largest['count']} x `{largest['key'][:90]}`{rule}"
    counts = ", ".join(f"{n} {k}" for k, n in result["cockpit_counts"].items() if n)
    return (
        f"| {result['project']} | {result['break']} | {counts or 'none'} "
        f"({'=' if result['counts_agree'] else '!='} pytest) | {result['cockpit_outcome']} "
        f"| {result['pytest_listed']} | {result['root_causes']} | {held} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted({b.project for b in BREAKS}))
    parser.add_argument("--json", type=Path, help="also write the results here")
    options = parser.parse_args()
    python = ensure_venv()
    results = []
    for breaking in BREAKS:
        if options.only and breaking.project != options.only:
            continue
        log(f"bench: {breaking.project}: {breaking.what}")
        results.append(measure(breaking, python))
    print(f"commit {commit()}, {time.strftime('%Y-%m-%d %H:%M')}")
    print("| project | break | counts | outcome | pytest lists | root causes | the largest holds |")
    print("|---|---|---|---|---|---|---|")
    for result in results:
        print(row(result))
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(result["counts_agree"] for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
