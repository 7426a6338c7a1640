"""The session picture headless (``cockpit status``): each module's latest counts, the runs
they come from, whether they are stale, and the suite's totals.

Read-only, on the quick path (``suite.reading``): a SQLite log is read with the standard
``sqlite3`` driver, and the project's files are only stat'ed except those changed since
the newest snapshot. Nothing here imports SQLAlchemy or rich.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from cockpit.session.project import Project
from cockpit.session.staleness import Staleness, current_files, stale_modules
from cockpit.suite.files import FileReader
from cockpit.suite.model import FAILING, RunFacts
from cockpit.suite.picture import SuitePicture
from cockpit.suite.read import PictureReader, default_session, session_title
from cockpit.suite.reading import Query, open_query

RUN_TOTALS_SQL = "SELECT passed, collected FROM runs WHERE id = :run"


class RunLine(NamedTuple):
    """A run as the status names it: what it selected, how it ended, what passed."""

    facts: RunFacts
    passed: int
    collected: int


class SessionStatus(NamedTuple):
    session_id: int
    title: str
    picture: SuitePicture
    staleness: Staleness
    runs: dict[int, RunLine]
    """The latest run, the last whole-suite run and the baseline, by id."""


def read_status(project: Project, session_id: int | None = None) -> SessionStatus:
    """The status of ``session_id`` (default: the open session, else the latest run's)."""
    with open_query(project.database) as query:
        session = default_session(query) if session_id is None else session_id
        title = session_title(query, session)
        picture = PictureReader(query).picture(session)
        files = FileReader(query)
        staleness = Staleness({})
        if picture.runs:
            now = current_files(project.root, files.newest_states())
            staleness = stale_modules(project.root, picture, files.run_files, now)
        runs = _run_lines(query, picture)
    return SessionStatus(session, title, picture, staleness, runs)


def _run_lines(query: Query, picture: SuitePicture) -> dict[int, RunLine]:
    lines = {}
    for run in (picture.last_run, picture.last_whole, picture.baseline):
        if run is not None and run.id not in lines:
            passed, collected = query(RUN_TOTALS_SQL, {"run": run.id})[0]
            lines[run.id] = RunLine(run, int(passed), int(collected))
    return lines


def _run_json(status: SessionStatus, run: RunFacts | None) -> dict[str, Any] | None:
    if run is None:
        return None
    line = status.runs[run.id]
    return {
        "id": run.id,
        "selection": run.selection,
        "whole_suite": run.whole_suite,
        "outcome": run.outcome,
        "started_at": run.started_at,
        "passed": line.passed,
        "collected": line.collected,
    }


def status_json(status: SessionStatus, root: Path | None = None) -> dict[str, Any]:
    """The status as ``cockpit status --json`` prints it (see the README)."""
    picture = status.picture
    modules = picture.modules()
    failing: dict[str, list[dict[str, Any]]] = {}
    for nodeid in sorted(picture.tests):
        state = picture.tests[nodeid]
        if state.outcome in FAILING:
            failing.setdefault(state.module, []).append(
                {
                    "nodeid": nodeid,
                    "outcome": state.outcome,
                    "run": state.run_id,
                    "known": nodeid in picture.known,
                }
            )
    totals = picture.totals()
    stale = status.staleness.modules
    return {
        "session": {"id": status.session_id, "title": status.title},
        "root": str(root) if root is not None else None,
        "runs": len(picture.runs),
        "latest_run": _run_json(status, picture.last_run),
        "last_whole_suite_run": _run_json(status, picture.last_whole),
        "baseline_run": _run_json(status, picture.baseline),
        "totals": {
            "tests": totals.tests,
            **totals._asdict(),
            "collection_errors": picture.collection_errors,
            "known": sum(module.known for module in modules.values()),
            "modules": len(modules),
            "stale_modules": len(status.staleness.stale),
        },
        "staleness_problem": status.staleness.problem,
        "modules": [
            {
                "path": path,
                "tests": module.counts.tests,
                **module.counts._asdict(),
                "collection_error": module.collection_error,
                "runs": list(module.runs),
                "stale": stale.get(path),
                "known": module.known,
                "failing": failing.get(path, []),
            }
            for path, module in modules.items()
        ],
    }
