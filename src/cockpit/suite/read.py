"""Reading a session's picture out of the session log, reading as little as it can.

The last finished whole-suite run stands for every test it ran: nothing before it needs
reading. The runs after it (watch and subset reruns, usually small) are read whole, and so
are the base run's tests in the modules those runs touched; every other module of the base
is taken from the counts the run stored when it finished (``run_modules``), unless the
caller wants each test (``cockpit status`` lists the failing ones, the app shows them all).

A session's picture starts from the last finished whole-suite run before the session when
there is one (the automatic session of a new day keeps yesterday's suite in view); runs
still going, or that never started pytest, are left out until they end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cockpit.errors import NotFound
from cockpit.suite.model import Counts, RecordedResult, RunFacts, RunResults
from cockpit.suite.picture import SuitePicture
from cockpit.suite.reading import Query, first_line, strings

_RUN_COLUMNS = "id, selection_reason, whole_suite, outcome, started_at, args"
SQL = {
    "open_session": "SELECT id FROM sessions WHERE ended_at IS NULL AND automatic_day IS NULL "
    "ORDER BY id DESC LIMIT 1",
    "last_run_session": "SELECT session_id FROM runs ORDER BY id DESC LIMIT 1",
    "last_session": "SELECT id FROM sessions ORDER BY id DESC LIMIT 1",
    "session_title": "SELECT title FROM sessions WHERE id = :session",
    "session_start": "SELECT started_at FROM sessions WHERE id = :session",
    "session_runs": f"SELECT {_RUN_COLUMNS} FROM runs WHERE session_id = :session "
    "AND outcome NOT IN ('running', 'usage-error') ORDER BY id",
    "seed_run": f"SELECT {_RUN_COLUMNS} FROM runs WHERE session_id <> :session "
    "AND started_at < :start AND whole_suite AND outcome IN ('failed', 'passed') "
    "ORDER BY started_at DESC, id DESC LIMIT 1",
    "runs_after_seed": f"SELECT {_RUN_COLUMNS} FROM runs WHERE session_id <> :session "
    "AND started_at < :start AND id > :seed AND outcome NOT IN ('running', 'usage-error') "
    "ORDER BY id",
    "results": "SELECT nodeid, module, outcome, duration, root_key FROM results "
    "WHERE run_id = :run",
    "module_results": "SELECT nodeid, module, outcome, duration, root_key FROM results "
    "WHERE run_id = :run AND module = :module",
    "errors": "SELECT path, message FROM collection_errors WHERE run_id = :run",
    "run_modules": "SELECT module FROM run_modules WHERE run_id = :run",
    "result_modules": "SELECT DISTINCT module FROM results WHERE run_id = :run",
    "known": "SELECT tests FROM known_issues WHERE session_id = :session AND status = 'open'",
}

ModuleCounts = Callable[[int], Mapping[str, Counts]]


def default_session(query: Query) -> int:
    """The session a command shows when none is named: the open one, else the session of
    the latest run, else the latest session."""
    for name in ("open_session", "last_run_session", "last_session"):
        rows = query(SQL[name], {})
        if rows:
            return int(rows[0][0])
    raise NotFound("the session log holds no session yet; cockpit run records one")


def session_title(query: Query, session_id: int) -> str:
    rows = query(SQL["session_title"], {"session": session_id})
    if not rows:
        raise NotFound(f"no session {session_id}; cockpit session list shows them")
    return str(rows[0][0])


def _id(run: RunFacts) -> int:
    return run.id


def run_facts(row: Sequence[Any]) -> RunFacts:
    """A run from a row of ``_RUN_COLUMNS``."""
    return RunFacts(
        id=int(row[0]),
        selection=str(row[1]),
        whole_suite=bool(row[2]),
        outcome=str(row[3]),
        started_at=float(row[4]),
        args=strings(row[5]),
    )


class PictureReader:
    """Reads session pictures through one query function (see ``suite.reading``)."""

    def __init__(self, query: Query, module_counts: ModuleCounts | None = None) -> None:
        self.query = query
        self.module_counts = module_counts
        """Per module counts of a finished run (the export passes its cached reader);
        without it every test is read."""

    def runs(self, session_id: int) -> list[RunFacts]:
        """The runs a session's picture folds, oldest first: the last finished whole-suite
        run before the session and the runs between it and the session, then its own."""
        runs = [run_facts(row) for row in self.query(SQL["session_runs"], {"session": session_id})]
        start = self.query(SQL["session_start"], {"session": session_id})
        if start:
            params = {"session": session_id, "start": float(start[0][0])}
            seed = self.query(SQL["seed_run"], params)
            if seed:
                first = run_facts(seed[0])
                between = self.query(SQL["runs_after_seed"], {**params, "seed": first.id})
                earlier = [first, *(run_facts(row) for row in between)]
                known = {run.id for run in runs}
                runs = sorted([*(r for r in earlier if r.id not in known), *runs], key=_id)
        return runs

    def known_tests(self, session_id: int) -> frozenset[str]:
        rows = self.query(SQL["known"], {"session": session_id})
        return frozenset(test for (tests,) in rows for test in strings(tests))

    def results(self, run: RunFacts, modules: Sequence[str] | None = None) -> RunResults:
        """A run's results (only in ``modules`` when given) and its collection errors."""
        if modules is None:
            rows = self.query(SQL["results"], {"run": run.id})
        else:
            rows = [
                row
                for module in modules
                for row in self.query(SQL["module_results"], {"run": run.id, "module": module})
            ]
        tests = {
            str(nodeid): RecordedResult(str(module), str(outcome), float(duration or 0.0), key)
            for nodeid, module, outcome, duration, key in rows
        }
        errors = {
            str(path): first_line(message) or "import failed"
            for path, message in self.query(SQL["errors"], {"run": run.id})
        }
        return RunResults(run, tests, errors)

    def touched_modules(self, run: RunFacts) -> set[str]:
        """The modules a run recorded tests or a collection error in."""
        rows = self.query(SQL["run_modules"], {"run": run.id})
        if not rows:  # it never finished recording (or predates run_modules)
            rows = self.query(SQL["result_modules"], {"run": run.id})
        errors = self.query(SQL["errors"], {"run": run.id})
        return {str(module) for (module,) in rows} | {str(path) for path, _ in errors}

    def picture(
        self, session_id: int, *, each_test: bool = True, before_run: int | None = None
    ) -> SuitePicture:
        """The session's picture (of its runs before ``before_run``, when given)."""
        runs = self.runs(session_id)
        if before_run is not None:
            runs = [run for run in runs if run.id < before_run]
        return self.fold(runs, self.known_tests(session_id), each_test=each_test)

    def fold(
        self, runs: Sequence[RunFacts], known: frozenset[str], *, each_test: bool = True
    ) -> SuitePicture:
        """The picture of ``runs`` (oldest first), read from the last whole-suite one on."""
        base = next(
            (i for i in range(len(runs) - 1, -1, -1) if runs[i].whole_suite and runs[i].finished),
            0,
        )
        picture = SuitePicture(known=known)
        later = runs[base + 1 :]
        whole_base = bool(runs) and runs[base].whole_suite and runs[base].finished
        if whole_base and not each_test and self.module_counts is not None:
            touched = sorted(set().union(*(self.touched_modules(run) for run in later)))
            first = self.results(runs[base], touched)
            counts = self.module_counts(runs[base].id)
            counted = {m: c for m, c in counts.items() if m not in set(touched)}
            picture = picture.with_run(first._replace(counted=counted))
        elif runs:
            picture = picture.with_run(self.results(runs[base]))
        for run in later:
            picture = picture.with_run(self.results(run))
        whole = [run for run in runs if run.whole_suite and run.finished]
        return SuitePicture(
            tuple(runs),
            picture.tests,
            picture.errors,
            picture.counted,
            known,
            whole[0] if whole else None,
            whole[-1] if whole else None,
        )
