"""What every started pytest child has, however it was started: its output as streams."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio


class PipedProcess:
    """A child whose stdout and stderr the run drains as asyncio streams; subclasses say
    what its pid, return code and ``wait()`` are (an adopted ``Popen``, a warm fork)."""

    def __init__(self, stdout: asyncio.StreamReader, stderr: asyncio.StreamReader) -> None:
        self._stdout = stdout
        self._stderr = stderr

    @property
    def stdout(self) -> asyncio.StreamReader:
        return self._stdout

    @property
    def stderr(self) -> asyncio.StreamReader:
        return self._stderr

    def close(self) -> None:
        """Nothing to let go of: the streams close with their pipes."""
