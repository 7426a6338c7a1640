"""Opening a result file: which format it is, and the sha256 of the bytes read from it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from cockpit.errors import CockpitError

JUNIT = "junit-xml"
REPORT_LOG = "report-log"


class ResultFileError(CockpitError):
    """A file given to ``cockpit import`` cannot be imported (exit 4, one line)."""


def _sniff(start: bytes) -> str | None:
    """The format a file's first bytes announce: XML or JSON lines (None: neither)."""
    text = start.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return JUNIT
    if text.startswith(b"{"):
        return REPORT_LOG
    return None


class HashedFile:
    """A result file opened for reading, its sha256 taken of every byte read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            raise ResultFileError(f"no such file: {path}")
        if path.is_dir():
            raise ResultFileError(f"{path} is a folder; give the result files inside it")
        try:
            self._file = open(path, "rb")  # noqa: SIM115 (closed by __exit__)
        except OSError as error:
            raise ResultFileError(f"cannot read {path}: {error.strerror}") from None
        self._digest = hashlib.sha256()
        start = self._file.peek(4096)[:4096]
        if not start.strip():
            self._file.close()
            raise ResultFileError(
                f"{path} is empty: neither JUnit XML nor a pytest report-log; nothing was imported"
            )
        found = _sniff(start)
        if found is None:
            shown = start[:40].decode("utf-8", "replace").split("\n")[0]
            self._file.close()
            raise ResultFileError(
                f"{path} is neither JUnit XML nor a pytest report-log (it starts with "
                f"{shown!r}); give the file pytest wrote with --junitxml or --report-log"
            )
        self.format = found

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self._digest.update(data)
        return data

    def __iter__(self) -> Iterator[bytes]:
        for line in self._file:
            self._digest.update(line)
            yield line

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def __enter__(self) -> HashedFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._file.close()
