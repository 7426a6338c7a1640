"""What ``.gitignore`` ignores, checked once per batch of changes.

In a git checkout git itself answers (``git check-ignore --stdin``: every nested
``.gitignore``, ``info/exclude`` and the global excludes, exactly as git reads them; one
process per batch, a few milliseconds, see ``bench/README.md``). Elsewhere a small matcher
reads the root ``.gitignore``: names, anchored paths, folder-only patterns, ``**`` and
negation, which covers the usual files.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cockpit.watch.config import glob_match


@dataclass(frozen=True, slots=True)
class IgnorePattern:
    pattern: str
    negated: bool
    folder_only: bool
    anchored: bool

    def matches(self, relative: str, is_dir: bool) -> bool:
        if self.folder_only and not is_dir:
            return False
        if self.anchored:
            return glob_match(relative, self.pattern if "/" in self.pattern else "/" + self.pattern)
        return glob_match(relative.rsplit("/", 1)[-1], self.pattern)


def parse_gitignore(text: str) -> tuple[IgnorePattern, ...]:
    patterns = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line[1:] if negated else line
        folder_only = line.endswith("/")
        line = line.rstrip("/")
        anchored = "/" in line
        patterns.append(IgnorePattern(line.lstrip("/"), negated, folder_only, anchored))
    return tuple(patterns)


def ignored_by(patterns: tuple[IgnorePattern, ...], relative: str) -> bool:
    """Whether ``relative`` (a file) or any folder above it is ignored; the last match wins."""
    parts = relative.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        is_dir = depth < len(parts)
        verdict = None
        for pattern in patterns:
            if pattern.matches(prefix, is_dir):
                verdict = not pattern.negated
        if verdict:
            return True
    return False


class GitIgnore:
    """Drops ignored paths from a batch: through git in a checkout, else the root file.

    git's answers are kept per path until a ``.gitignore`` changes (``forget``): an editor
    saves the same few files again and again, and each ``git`` process costs milliseconds
    of the save-to-run latency."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._known: dict[Path, bool] = {}
        self.git = shutil.which("git") if (root / ".git").exists() else None
        ignore_file = root / ".gitignore"
        try:
            text = ignore_file.read_text(encoding="utf-8") if ignore_file.is_file() else ""
        except (OSError, UnicodeDecodeError):
            text = ""
        self.patterns = parse_gitignore(text)

    async def kept(self, paths: Iterable[Path]) -> set[Path]:
        candidates = set(paths)
        if not candidates:
            return candidates
        if self.git is not None:
            unknown = {path for path in candidates if path not in self._known}
            ignored = await self._git_ignored(unknown) if unknown else set()
            if ignored is not None:
                for path in unknown:
                    self._known[path] = path in ignored
                return {path for path in candidates if not self._known[path]}
        return {
            path
            for path in candidates
            if not ignored_by(self.patterns, path.relative_to(self.root).as_posix())
        }

    def forget(self) -> None:
        """A ``.gitignore`` changed: ask git again."""
        self._known.clear()
        ignore_file = self.root / ".gitignore"
        try:
            text = ignore_file.read_text(encoding="utf-8") if ignore_file.is_file() else ""
        except (OSError, UnicodeDecodeError):
            text = ""
        self.patterns = parse_gitignore(text)

    async def _git_ignored(self, paths: set[Path]) -> set[Path] | None:
        assert self.git is not None
        process = await asyncio.create_subprocess_exec(
            self.git,
            "-C",
            str(self.root),
            "check-ignore",
            "--stdin",
            "-z",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        data = b"".join(str(path).encode() + b"\0" for path in paths)
        out, _ = await process.communicate(data)
        if process.returncode not in (0, 1):
            return None  # not a work tree after all: fall back to the root file
        return {Path(name.decode()) for name in out.split(b"\0") if name}
