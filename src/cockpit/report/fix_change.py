"""A fix's change, read for the summary: what its evidence run shows beyond flipped tests
(collection errors resolved, new tests passing), and the unified diff of its files from the
before run's content to the evidence run's, out of the contents the runs' snapshots kept.

The same rules as :func:`cockpit.store.coverage.evidence_between` (``cockpit fix list``),
counted in SQL: new tests are looked for only in the modules whose test set differs
between the two runs (``run_modules``' digests), so a 50,000-test session is not scanned.
"""

from __future__ import annotations

from cockpit.report.model import DIFF_LINES, FileDiff, ResolvedError, RunInfo
from cockpit.suite.files import FileReader
from cockpit.suite.reading import Query, first_line

PASSING_SQL = "('passed', 'xpassed')"
SQL = {
    "errors": "SELECT path, message FROM collection_errors WHERE run_id = :run",
    "collected": "SELECT 1 FROM results WHERE run_id = :run AND module = :module LIMIT 1",
    "changed_modules": "SELECT b.module FROM run_modules AS b LEFT JOIN run_modules AS a "
    "ON a.run_id = :before AND a.module = b.module "
    "WHERE b.run_id = :after AND (a.module IS NULL OR a.digest <> b.digest)",
    "modules_recorded": "SELECT COUNT(*) FROM run_modules WHERE run_id = :run",
    "all_modules": "SELECT DISTINCT module FROM results WHERE run_id = :run",
    "new_passing": "SELECT b.nodeid FROM results AS b LEFT JOIN results AS a "
    "ON a.run_id = :before AND a.nodeid = b.nodeid "
    f"WHERE b.run_id = :after AND b.module = :module AND b.outcome IN {PASSING_SQL} "
    "AND a.nodeid IS NULL",
}


def _errors(query: Query, run_id: int) -> dict[str, str]:
    """Module -> the first line of its collection error."""
    return {
        str(path): first_line(message) or "import failed"
        for path, message in query(SQL["errors"], {"run": run_id})
    }


def _recorded_modules(query: Query, run_id: int) -> bool:
    return int(query(SQL["modules_recorded"], {"run": run_id})[0][0]) > 0


def evidence_extras(
    query: Query, before: RunInfo, evidence: RunInfo
) -> tuple[tuple[ResolvedError, ...], tuple[str, ...]]:
    """(the collection errors the evidence resolved, the new tests passing), sorted."""
    params = {"before": before.id, "after": evidence.id}
    errors = _errors(query, before.id)
    still = _errors(query, evidence.id)
    resolved = tuple(
        ResolvedError(path, errors[path])
        for path in sorted(errors.keys() - still.keys())
        if query(SQL["collected"], {"run": evidence.id, "module": path})
    )
    modules = set(errors)
    if before.whole_suite:
        if _recorded_modules(query, before.id) and _recorded_modules(query, evidence.id):
            rows = query(SQL["changed_modules"], params)
        else:  # recorded before module digests existed: every module of the evidence run
            rows = query(SQL["all_modules"], {"run": evidence.id})
        modules |= {str(module) for (module,) in rows}
    new = sorted(
        str(nodeid)
        for module in modules
        for (nodeid,) in query(SQL["new_passing"], {**params, "module": module})
    )
    return resolved, tuple(new)


def _text(data: bytes) -> list[str]:
    return data.decode("utf-8", "replace").splitlines()


def file_diff(files: FileReader, path: str, before: RunInfo, evidence: RunInfo) -> FileDiff:
    """``path``'s change from ``before`` to ``evidence``, or why it cannot be shown."""
    old_files, new_files = files.run_files(before.id), files.run_files(evidence.id)
    if old_files is None or new_files is None:
        return FileDiff(path, (), "no diff: the runs predate snapshots of the project's files")
    old_digest, new_digest = old_files.get(path), new_files.get(path)
    if old_digest is None and new_digest is None:
        return FileDiff(
            path, (), f"not in the project's files in run {before.id} or run {evidence.id}"
        )
    if old_digest == new_digest:
        return FileDiff(path, (), f"unchanged between run {before.id} and run {evidence.id}")
    sides: list[list[str]] = []
    for digest in (old_digest, new_digest):
        if digest is None:
            sides.append([])
            continue
        kept = files.content(digest)
        if kept is None or kept.data is None:
            size = f" ({kept.size // 1024} KiB)" if kept is not None else ""
            return FileDiff(path, (), f"no diff: too large to keep{size}")
        sides.append(_text(kept.data))
    import difflib  # only when a diff is shown: its import costs the export's budget

    lines = list(
        difflib.unified_diff(
            sides[0],
            sides[1],
            fromfile=f"a/{path} (run {before.id})" if old_digest else "/dev/null",
            tofile=f"b/{path} (run {evidence.id})" if new_digest else "/dev/null",
            lineterm="",
        )
    )
    return FileDiff(path, tuple(lines[:DIFF_LINES]), None, max(0, len(lines) - DIFF_LINES))


def fix_diffs(
    query: Query, files: tuple[str, ...], before: RunInfo, evidence: RunInfo
) -> tuple[FileDiff, ...]:
    reader = FileReader(query)
    return tuple(file_diff(reader, path, before, evidence) for path in files)
