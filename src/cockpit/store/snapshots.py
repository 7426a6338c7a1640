"""Reading the project's files for a run's snapshot: a content digest per file, and the
content of each file the session log does not hold yet.

The files are those that decide a test's outcome (:mod:`cockpit.store.sources`: Python
files and pytest's configuration). Reading every file at every run would cost a large
project hundreds of milliseconds, so a file whose size and modification time are those of
the last snapshot keeps that snapshot's digest without being read: only what changed since
the previous run is read and hashed. Runs do this in a thread while pytest starts.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from cockpit.store.sources import fingerprint, source_files

MAX_KEPT_BYTES = 512 * 1024
"""Files larger than this keep their digest but not their content."""
COMPRESSION_LEVEL = 1
"""zlib's fastest level: source text still shrinks to about a third."""


class FileState(NamedTuple):
    """One project file as a run saw it."""

    path: str
    """Relative to the project root, with forward slashes."""
    size: int
    mtime_ns: int
    digest: str
    """sha256 of the content."""


class ProjectFiles(NamedTuple):
    """The project's files at a run's start, and the contents read to hash them."""

    states: dict[str, FileState]
    read: dict[str, bytes]
    """Digest -> content of every file that had to be read (new or changed)."""
    fingerprint: str
    """sha256 over (path, size, mtime) of every file: the run's ``source_digest``."""


class FileChange(NamedTuple):
    """A project file that differs between two runs' snapshots (a digest is None where the
    file did not exist)."""

    path: str
    before: str | None
    after: str | None


def read_project_files(root: Path, known: Mapping[str, FileState]) -> ProjectFiles:
    """Every source file under ``root``; files unchanged since ``known`` are not read."""
    states: dict[str, FileState] = {}
    read: dict[str, bytes] = {}
    listed = source_files(root)
    for path, size, mtime_ns in listed:
        previous = known.get(path)
        if previous is not None and previous.size == size and previous.mtime_ns == mtime_ns:
            states[path] = previous
            continue
        try:
            content = (root / path).read_bytes()
        except OSError:
            continue  # vanished or unreadable since the walk: not part of what the run saw
        digest = hashlib.sha256(content).hexdigest()
        states[path] = FileState(path, len(content), mtime_ns, digest)
        read[digest] = content
    return ProjectFiles(states, read, fingerprint(listed))


def manifest_of(states: Mapping[str, FileState]) -> str:
    """sha256 of the sorted (path, digest) pairs: equal for runs that saw the same files."""
    digest = hashlib.sha256()
    for path in sorted(states):
        digest.update(f"{path}\0{states[path].digest}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def pack(content: bytes) -> bytes | None:
    """The stored form of a file's content (None when it is too large to keep)."""
    if len(content) > MAX_KEPT_BYTES:
        return None
    return zlib.compress(content, COMPRESSION_LEVEL)


def unpack(data: bytes) -> bytes:
    return zlib.decompress(data)
