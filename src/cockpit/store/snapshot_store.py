"""Snapshots in the session log: the project's files as each run saw them, and their content.

A snapshot is found again by its manifest, so runs that saw the same files share one, and
a content is stored once per digest. Writing one is a single transaction: a run's snapshot
is either whole or absent.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from cockpit.store.models import FileContent, Run, Snapshot, SnapshotFile
from cockpit.store.rows import FileChange
from cockpit.store.runs import RunStore
from cockpit.store.snapshots import FileState, ProjectFiles, manifest_of, pack, unpack


class SnapshotStore(RunStore):
    """What each run saw of the project's files."""

    def last_snapshot_files(self) -> dict[str, FileState]:
        """The files of the newest run's snapshot: what the next snapshot need not read."""
        with self.engine.connect() as connection:
            snapshot_id = connection.scalar(
                select(Run.snapshot_id)
                .where(Run.snapshot_id.is_not(None))
                .order_by(Run.id.desc())
                .limit(1)
            )
            if snapshot_id is None:
                return {}
            rows = connection.execute(
                select(
                    SnapshotFile.path,
                    SnapshotFile.size,
                    SnapshotFile.mtime_ns,
                    SnapshotFile.digest,
                ).where(SnapshotFile.snapshot_id == snapshot_id)
            )
            return {row[0]: FileState(*row) for row in rows}

    def record_snapshot(self, run_id: int, files: ProjectFiles) -> int:
        """Attach the files ``run_id`` saw to it, sharing an equal snapshot if there is one."""
        manifest = manifest_of(files.states)
        for attempt in (1, 2):
            try:
                return self._write_snapshot(run_id, files, manifest)
            except IntegrityError:
                # Another cockpit wrote the same snapshot or content between our read and
                # our write: the second attempt finds it.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _write_snapshot(self, run_id: int, files: ProjectFiles, manifest: str) -> int:
        with self.engine.begin() as connection:
            known = set(
                connection.scalars(
                    select(FileContent.digest).where(FileContent.digest.in_(list(files.read)))
                )
            )
            contents = [
                {"digest": digest, "size": len(content), "data": pack(content)}
                for digest, content in files.read.items()
                if digest not in known
            ]
            if contents:
                connection.execute(insert(FileContent), contents)
            snapshot_id = connection.scalar(
                select(Snapshot.id).where(Snapshot.manifest == manifest)
            )
            if snapshot_id is None:
                snapshot_id = connection.scalar(
                    insert(Snapshot)
                    .values(manifest=manifest, files=len(files.states), created_at=self.clock())
                    .returning(Snapshot.id)
                )
                if files.states:
                    connection.execute(
                        insert(SnapshotFile),
                        [
                            {"snapshot_id": snapshot_id, **state._asdict()}
                            for state in files.states.values()
                        ],
                    )
            connection.execute(update(Run).where(Run.id == run_id).values(snapshot_id=snapshot_id))
        assert snapshot_id is not None
        return int(snapshot_id)

    def run_files(self, run_id: int) -> dict[str, str] | None:
        """Path -> content digest of the files ``run_id`` saw; None for a run without one."""
        with self.engine.connect() as connection:
            snapshot_id = connection.scalar(select(Run.snapshot_id).where(Run.id == run_id))
            if snapshot_id is None:
                return None
            rows = connection.execute(
                select(SnapshotFile.path, SnapshotFile.digest).where(
                    SnapshotFile.snapshot_id == snapshot_id
                )
            )
            return {path: digest for path, digest in rows}

    def changed_files(self, before_run: int, after_run: int) -> list[FileChange] | None:
        """The files whose content differs between two runs' snapshots, by path; None when
        either run has no snapshot (recorded before schema 0008, or imported)."""
        before, after = self.run_files(before_run), self.run_files(after_run)
        if before is None or after is None:
            return None
        return [
            FileChange(path, before.get(path), after.get(path))
            for path in sorted(before.keys() | after.keys())
            if before.get(path) != after.get(path)
        ]

    def file_content(self, digest: str) -> bytes | None:
        """A kept content by its digest (None when it was too large to keep, or unknown)."""
        with self.engine.connect() as connection:
            data = connection.scalar(select(FileContent.data).where(FileContent.digest == digest))
        return unpack(data) if data is not None else None
