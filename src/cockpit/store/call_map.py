"""The call map in the session log: what each test executed, kept for precise selection.

A traced run's child writes one side file per process (:mod:`cockpit.child.
cockpit_call_map`); :meth:`CallMapStore.record_call_map` merges them into the log in one
transaction: functions interned once, one row per test that ran (replacing its last
entry; tests that did not run keep theirs), the functions seen outside tests added to
the set kept for good. Rows are small: a test's functions are a compressed list of ids.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, insert, select

from cockpit.store.models import (
    CallFunction,
    CallMapEntry,
    CallOutside,
    CallTestFile,
    CallTracedFile,
)
from cockpit.store.snapshot_store import SnapshotStore

Function = tuple[str, str]
"""(file relative to the root, qualified name as the child recorded it)."""


class MapEntry(NamedTuple):
    """One test's entry: the run that traced it and what it executed there."""

    nodeid: str
    run_id: int
    complete: bool
    files: dict[str, str]
    """File -> the digest of the content the test executed."""
    functions: frozenset[Function]


def _pack(value: object) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode("utf-8"), 1)


def _unpack(data: bytes) -> Any:
    return json.loads(zlib.decompress(data))


def test_file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


class CallMapStore(SnapshotStore):
    """The call map's reads and writes."""

    def record_call_map(self, run_id: int, side_files: Sequence[Mapping[str, Any]]) -> int:
        """Store what the processes of traced run ``run_id`` recorded; the tests stored."""
        with self.engine.begin() as connection:
            known = {
                (row.path, row.qualname): row.id for row in connection.execute(select(CallFunction))
            }
            rows: dict[str, dict[str, Any]] = {}
            outside: set[int] = set()
            collected: dict[str, set[str]] = {}
            digests_seen: dict[str, str] = {}
            traced: set[str] = set()
            for side in side_files:
                traced.update(str(path) for path in side.get("traced_files", []))
                for path, nodeids in side.get("collected", {}).items():
                    collected.setdefault(path, set()).update(nodeids)
                digests_seen.update(side.get("test_files", {}))
                ids = self._intern(connection, known, side.get("functions", []))
                digests = side.get("files", {})
                spawning = set(side.get("spawning", []))
                outside.update(ids[fid] for fid in side.get("outside", []))
                for nodeid, fids in side.get("tests", {}).items():
                    functions = sorted({ids[fid] for fid in fids})
                    files = sorted({side["functions"][fid][0] for fid in fids})
                    rows[nodeid] = {
                        "nodeid": nodeid,
                        "test_file": test_file_of(nodeid),
                        "run_id": run_id,
                        "complete": nodeid not in spawning,
                        "files": _pack({path: digests.get(path, "") for path in files}),
                        "functions": _pack(functions),
                    }
            names = list(rows)
            for start in range(0, len(names), 500):
                chunk = names[start : start + 500]
                connection.execute(delete(CallMapEntry).where(CallMapEntry.nodeid.in_(chunk)))
            if rows:
                connection.execute(insert(CallMapEntry), list(rows.values()))
            self._record_whole_files(connection, run_id, collected, rows, digests_seen)
            known_traced = set(connection.scalars(select(CallTracedFile.path)))
            if traced - known_traced:
                connection.execute(
                    insert(CallTracedFile),
                    [{"path": path} for path in sorted(traced - known_traced)],
                )
            stored = set(connection.scalars(select(CallOutside.function_id)))
            if outside - stored:
                connection.execute(
                    insert(CallOutside), [{"function_id": fid} for fid in outside - stored]
                )
        return len(rows)

    @staticmethod
    def _record_whole_files(
        connection: Connection,
        run_id: int,
        collected: Mapping[str, set[str]],
        rows: Mapping[str, object],
        digests: Mapping[str, str],
    ) -> None:
        """Keep the test lists of the files whose every collected test ran traced."""
        whole = {
            path: sorted(nodeids)
            for path, nodeids in collected.items()
            if path in digests and all(nodeid in rows for nodeid in nodeids)
        }
        if not whole:
            return
        connection.execute(delete(CallTestFile).where(CallTestFile.test_file.in_(list(whole))))
        connection.execute(
            insert(CallTestFile),
            [
                {
                    "test_file": path,
                    "run_id": run_id,
                    "digest": digests[path],
                    "nodeids": _pack(ids),
                }
                for path, ids in whole.items()
            ],
        )

    def known_tests(self, test_files: Iterable[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Test file -> (its digest, all its tests) where a traced run ran it whole."""
        wanted = sorted(set(test_files))
        found: dict[str, tuple[str, tuple[str, ...]]] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                query = select(CallTestFile).where(
                    CallTestFile.test_file.in_(wanted[start : start + 500])
                )
                for row in connection.execute(query):
                    found[row.test_file] = (row.digest, tuple(_unpack(row.nodeids)))
        return found

    @staticmethod
    def _intern(
        connection: Connection, known: dict[Function, int], functions: Iterable[Sequence[str]]
    ) -> list[int]:
        """The log's id of each ``[file, qualname]`` of a side file, in its order."""
        ids: list[int] = []
        for path, qualname in functions:
            key = (str(path), str(qualname))
            fid = known.get(key)
            if fid is None:
                fid = connection.scalar(
                    insert(CallFunction)
                    .values(path=key[0], qualname=key[1])
                    .returning(CallFunction.id)
                )
                assert fid is not None
                known[key] = fid
            ids.append(fid)
        return ids

    def call_map(self, test_files: Iterable[str]) -> dict[str, MapEntry]:
        """The entries of the tests in these test files, by node id."""
        wanted = sorted(set(test_files))
        entries: dict[str, MapEntry] = {}
        with self.engine.connect() as connection:
            names = {
                row.id: (row.path, row.qualname) for row in connection.execute(select(CallFunction))
            }
            for start in range(0, len(wanted), 500):
                query = select(CallMapEntry).where(
                    CallMapEntry.test_file.in_(wanted[start : start + 500])
                )
                for row in connection.execute(query):
                    functions = frozenset(names[fid] for fid in _unpack(row.functions))
                    entries[row.nodeid] = MapEntry(
                        row.nodeid, row.run_id, row.complete, _unpack(row.files), functions
                    )
        return entries

    def traced_files(self) -> frozenset[str]:
        """Files whose every function call traced runs see."""
        with self.engine.connect() as connection:
            return frozenset(connection.scalars(select(CallTracedFile.path)))

    def outside_functions(self) -> frozenset[Function]:
        """Functions seen running outside any test, in any traced run."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(CallFunction.path, CallFunction.qualname).join(
                    CallOutside, CallOutside.function_id == CallFunction.id
                )
            )
            return frozenset((path, qualname) for path, qualname in rows)
