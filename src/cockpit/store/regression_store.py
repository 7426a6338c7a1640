"""Regressions in the session log: each failing test's previous result, what changed since,
and the regression root causes a finished run's failures were regrouped into."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import insert, select, text, update

from cockpit.rootcause.regression import (
    Change,
    ChangedFile,
    RegressionGroup,
    changed_functions,
    find_regressions,
)
from cockpit.store.models import Regression, Result
from cockpit.store.snapshot_store import SnapshotStore

CHUNK = 500
"""Node ids per query (SQLite's limit on bound parameters is far above)."""
_PREVIOUS_SQL = (
    "SELECT r.nodeid, r.run_id, r.outcome, g.since_runs FROM results AS r "
    "LEFT JOIN regressions AS g ON g.run_id = r.run_id AND g.root_key = r.root_key "
    "WHERE r.nodeid IN ({ids}) "
    "AND r.run_id = (SELECT MAX(p.run_id) FROM results AS p "
    "WHERE p.nodeid = r.nodeid AND p.run_id < :run)"
)


class RegressionStore(SnapshotStore):
    """What a regression root cause needs from the log, and where it is kept."""

    def previous_results(self, run_id: int, nodeids: Collection[str]) -> dict[str, tuple[int, str]]:
        """Each test's result in the latest run before ``run_id`` that ran it. A test that
        failed there as part of a regression counts from the run it last passed in, so a
        rerun keeps the regression until it is fixed."""
        found: dict[str, tuple[int, str]] = {}
        ordered = sorted(nodeids)
        with self.engine.connect() as connection:
            for start in range(0, len(ordered), CHUNK):
                chunk = ordered[start : start + CHUNK]
                names = ", ".join(f":n{index}" for index in range(len(chunk)))
                params: dict[str, Any] = {f"n{i}": nodeid for i, nodeid in enumerate(chunk)}
                params["run"] = run_id
                rows = connection.execute(text(_PREVIOUS_SQL.format(ids=names)), params)
                for nodeid, run, outcome, since in rows:
                    if since is not None:
                        runs = json.loads(since) if isinstance(since, str) else since
                        found[nodeid] = (min(int(earlier) for earlier in runs), "passed")
                    else:
                        found[nodeid] = (int(run), outcome)
        return found

    def change_since(self, before_run: int, after_run: int) -> Change | None:
        """The files changed between two runs, with the functions that changed where both
        contents were kept; None when either run has no snapshot."""
        changes = self.changed_files(before_run, after_run)
        if changes is None:
            return None
        files = []
        for path, before, after in changes:
            known = None
            if path.endswith(".py") and before is not None and after is not None:
                old, new = self.file_content(before), self.file_content(after)
                known = changed_functions(_text(old), _text(new))
            if known is None:
                files.append(ChangedFile(path, (), None, kept=False))
            else:
                files.append(ChangedFile(path, known.functions, known.line))
        return Change(before_run, tuple(files))

    def regression_context(
        self, run_id: int, failing: Mapping[str, str], known: Mapping[int, Change | None]
    ) -> tuple[dict[str, tuple[int, str]], dict[int, Change | None]]:
        """The history of ``failing`` (node id -> module) and what changed since each
        earlier run (``known`` holds the changes already read)."""
        history = self.previous_results(run_id, failing)
        changes = dict(known)
        for earlier, _ in history.values():
            if earlier not in changes:
                changes[earlier] = self.change_since(earlier, run_id)
        return history, changes

    def regroup_run(
        self, run_id: int, root_keys: Mapping[str, str], modules: Mapping[str, str]
    ) -> dict[str, RegressionGroup]:
        """Find the run's regressions and store them: ``results.root_key`` of their tests
        becomes the regression's key, and ``regressions`` holds its evidence."""
        members: dict[str, list[str]] = {}
        for nodeid, key in root_keys.items():
            members.setdefault(key, []).append(nodeid)
        singles = {
            nodeid: modules[nodeid]
            for keys in members.values()
            if len(keys) == 1
            for nodeid in keys
        }
        if not singles:
            return {}
        history, changes = self.regression_context(run_id, singles, {})
        known = {run: change for run, change in changes.items() if change is not None}
        groups = find_regressions(members, history, known, modules)
        if groups:
            self._write_regressions(run_id, groups)
        return groups

    def _write_regressions(self, run_id: int, groups: Mapping[str, RegressionGroup]) -> None:
        by_key: dict[str, tuple[RegressionGroup, list[str]]] = {}
        for nodeid, group in groups.items():
            by_key.setdefault(group.key, (group, []))[1].append(nodeid)
        with self.engine.begin() as connection:
            for key, (_, nodeids) in by_key.items():
                connection.execute(
                    update(Result)
                    .where(Result.run_id == run_id, Result.nodeid.in_(nodeids))
                    .values(root_key=key)
                )
            connection.execute(
                insert(Regression),
                [
                    {
                        "run_id": run_id,
                        "root_key": key,
                        "tests": len(nodeids),
                        "since_runs": list(group.since_runs),
                        "files": [changed.as_json() for changed in group.files],
                    }
                    for key, (group, nodeids) in sorted(by_key.items())
                ],
            )

    def regressions(self, run_id: int) -> dict[str, RegressionGroup]:
        """Node id -> its regression root cause, as the run stored them."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(Regression.root_key, Regression.since_runs, Regression.files).where(
                    Regression.run_id == run_id
                )
            ).all()
            if not rows:
                return {}
            groups = {key: group_of(key, since, files) for key, since, files in rows}
            members = connection.execute(
                select(Result.nodeid, Result.root_key).where(
                    Result.run_id == run_id, Result.root_key.in_(list(groups))
                )
            )
            return {nodeid: groups[key] for nodeid, key in members if key is not None}


def group_of(key: str, since_runs: Any, files: Any) -> RegressionGroup:
    """A stored regression row as the pure :class:`RegressionGroup`."""
    return RegressionGroup(
        key=key,
        since_runs=tuple(int(run) for run in since_runs),
        files=tuple(
            ChangedFile(
                str(item["path"]),
                tuple(item.get("functions") or ()),
                item.get("line"),
                bool(item.get("kept", True)),
            )
            for item in files
        ),
    )


def _text(content: bytes | None) -> str | None:
    return content.decode("utf-8", "replace") if content is not None else None
