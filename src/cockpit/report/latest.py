"""The summary's latest known state: the session picture (``cockpit.suite``) as records.

The test suite status comes from the last whole-suite run; the runs after it (watch and
subset reruns) update the tests they ran. The picture is read with the export's own
per-module counts, so only the modules a later run touched are read test by test.
"""

from __future__ import annotations

from cockpit.report.model import LatestModule, LatestState, RunInfo
from cockpit.suite.read import ModuleCounts, PictureReader
from cockpit.suite.reading import Query


def latest_state(
    query: Query,
    module_counts: ModuleCounts,
    session_id: int,
    status_run: RunInfo | None,
) -> LatestState | None:
    """The latest known state of a session (None when it recorded no run)."""
    reader = PictureReader(query, module_counts)
    runs = reader.runs(session_id)
    if not runs:
        return None
    picture = reader.fold(runs, reader.known_tests(session_id), each_test=False)
    since = status_run.id if status_run is not None and status_run.whole_suite else None
    later = tuple(run.id for run in runs if since is not None and run.id > since)
    modules = picture.modules()
    shown = tuple(
        LatestModule(path, module.counts, module.runs, module.collection_error, module.known)
        for path, module in modules.items()
        if since is None or module.last_run > since
    )
    return LatestState(
        since_run=since,
        later_runs=later if since is not None else tuple(run.id for run in runs),
        totals=picture.totals(),
        collection_errors=picture.collection_errors,
        modules=shown,
        other_modules=len(modules) - len(shown),
    )
