"""Scans kept between sessions in ``<root>/.cockpit/watch-scans.json``, keyed by each
file's size and modification time.

An ``ast`` scan of a large package takes seconds (sqlalchemy's 8.6 MB: ~3 s when the
machine is idle, see ``bench/README.md``); with this cache only the files changed since
the last session are parsed again, and a watch session or ``cockpit affected`` starts in
the time it takes to read one JSON file and stat the tree.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from cockpit.errors import StoreError
from cockpit.settings import ensure_data_dir
from cockpit.watch.scan import FileScan

CACHE_NAME = "watch-scans.json"
CACHE_VERSION = 1


class ScanCache:
    """Per-file scans valid while the file's (size, mtime) stay the same."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, list[object]] = {}
        self.dirty = False
        if path is not None:
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and data.get("version") == CACHE_VERSION:
                    entries = data.get("files")
                    self.entries = entries if isinstance(entries, dict) else {}

    @staticmethod
    def _key(stat: os.stat_result) -> list[object]:
        return [stat.st_size, stat.st_mtime_ns]

    def get(self, relative: str, stat: os.stat_result) -> FileScan | None:
        entry = self.entries.get(relative)
        if not isinstance(entry, list) or len(entry) != 5 or entry[:2] != self._key(stat):
            return None
        imports, dynamic, error = entry[2], entry[3], entry[4]
        if not isinstance(imports, list) or not isinstance(dynamic, list):
            return None
        return FileScan(
            frozenset(str(name) for name in imports),
            tuple(str(why) for why in dynamic),
            str(error) if error is not None else None,
        )

    def put(self, relative: str, stat: os.stat_result, scan: FileScan) -> None:
        self.entries[relative] = [
            *self._key(stat),
            sorted(scan.imports),
            list(scan.dynamic),
            scan.syntax_error,
        ]
        self.dirty = True

    def save(self) -> None:
        """Write it if anything changed; a read-only project just goes without."""
        if self.path is None or not self.dirty:
            return
        temporary = self.path.with_suffix(".tmp")
        with contextlib.suppress(OSError, StoreError):
            ensure_data_dir(self.path.parent.parent)
            payload = {"version": CACHE_VERSION, "files": self.entries}
            temporary.write_text(json.dumps(payload), encoding="utf-8")
            temporary.replace(self.path)
            self.dirty = False
