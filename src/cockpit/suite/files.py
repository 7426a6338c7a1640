"""The project's files as each run saw them, read back through a query function.

The same reads as :class:`~cockpit.store.snapshot_store.SnapshotStore`'s, as plain SQL, so
the quick commands (``cockpit status``, ``cockpit export``) can answer "what changed since
this run" and "what did this file hold" without SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from cockpit.suite.reading import Query

if TYPE_CHECKING:  # the export reads snapshots only for fixes: hashlib and zlib can wait
    from cockpit.store.snapshots import FileState

SQL = {
    "snapshot": "SELECT snapshot_id FROM runs WHERE id = :run",
    "files": "SELECT path, digest FROM snapshot_files WHERE snapshot_id = :snapshot",
    "newest": "SELECT path, size, mtime_ns, digest FROM snapshot_files WHERE snapshot_id = "
    "(SELECT snapshot_id FROM runs WHERE snapshot_id IS NOT NULL ORDER BY id DESC LIMIT 1)",
    "content": "SELECT size, data FROM file_contents WHERE digest = :digest",
}


class KeptContent(NamedTuple):
    """A file's content as the log kept it: ``data`` is None when it was over the cap."""

    size: int
    data: bytes | None


class FileReader:
    """What each run saw of the project's files."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self._files: dict[int, dict[str, str] | None] = {}

    def run_files(self, run_id: int) -> dict[str, str] | None:
        """Path -> content digest of the files ``run_id`` saw; None for a run without a
        snapshot (recorded before schema 0008)."""
        if run_id in self._files:
            return self._files[run_id]
        rows = self.query(SQL["snapshot"], {"run": run_id})
        files: dict[str, str] | None = None
        if rows and rows[0][0] is not None:
            snapshot = int(rows[0][0])
            files = {
                str(path): str(digest)
                for path, digest in self.query(SQL["files"], {"snapshot": snapshot})
            }
        self._files[run_id] = files
        return files

    def newest_states(self) -> dict[str, FileState]:
        """The newest snapshot's files with their stat: what a fresh read need not reread."""
        from cockpit.store.snapshots import FileState

        return {
            str(path): FileState(str(path), int(size), int(mtime_ns), str(digest))
            for path, size, mtime_ns, digest in self.query(SQL["newest"], {})
        }

    def content(self, digest: str) -> KeptContent | None:
        """A kept content by digest (None when the log never stored it)."""
        rows = self.query(SQL["content"], {"digest": digest})
        if not rows:
            return None
        size, data = rows[0]
        if data is None:
            return KeptContent(int(size), None)
        from cockpit.store.snapshots import unpack

        return KeptContent(int(size), unpack(bytes(data)))
