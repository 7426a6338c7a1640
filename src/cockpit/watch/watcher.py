"""Watching the project: one set of changed paths per burst of saves.

watchfiles (``awatch``) with ``step`` 5 ms: a batch is yielded once no new change came
for 5-10 ms (at most 1.6 s after the first), ~10 ms after a save instead of ~100 ms with
the defaults, and still one batch for an editor's or formatter's burst of writes (a burst
with longer gaps arrives in parts; the loop then restarts the run for the union).
The filter runs on every raw event and only looks at the path: VCS folders, virtualenvs
(any folder holding ``pyvenv.cfg``, whatever its name), caches, ``.cockpit/``, ``build/``,
``dist/``; then what ``.gitignore`` ignores is dropped once per batch (a changed
``.gitignore`` is not a change to test, but makes git's answers be asked again).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from watchfiles import Change, awatch

from cockpit.watch.config import CONFIG_FILES, WatchConfig, load_config
from cockpit.watch.graph import SKIPPED_DIRS
from cockpit.watch.ignore import GitIgnore

_CACHE_DIRS = frozenset({".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".nox", ".venv"})


class WatchFilter:
    """Which raw file events can matter to the tests (called for each one, so cheap)."""

    def __init__(self, root: Path, config: WatchConfig) -> None:
        self.root = root
        self.config = config
        self._venv_dirs: dict[Path, bool] = {}

    def _is_venv(self, folder: Path) -> bool:
        known = self._venv_dirs.get(folder)
        if known is None:
            known = self._venv_dirs[folder] = (folder / "pyvenv.cfg").exists()
        return known

    def wanted(self, path: Path) -> bool:
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            return False
        folders = relative.parts[:-1]
        folder = self.root
        for part in folders:
            folder = folder / part
            if (
                part in SKIPPED_DIRS
                or part in _CACHE_DIRS
                or part.startswith(".")
                or part.endswith(".egg-info")
                or self._is_venv(folder)
            ):
                return False
        posix = relative.as_posix()
        if self.config.is_ignored(posix):
            return False
        name = relative.name
        return (
            name.endswith(".py")
            or name in CONFIG_FILES
            or name == ".gitignore"
            or self.config.is_extra(posix)
        )

    def __call__(self, change: Change, path: str) -> bool:
        return self.wanted(Path(path))


async def watch_changes(
    root: Path,
    config: WatchConfig | None = None,
    *,
    ready: asyncio.Event | None = None,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[set[Path]]:
    """Yield one set of changed paths (absolute) per burst of saves; cancel to stop.

    ``ready`` is set once the watch is in place: a save after that is never missed.
    """
    root = root.resolve()
    config = config or load_config(root)
    # Set on the way out: the watching thread sees it within one step and returns, where a
    # plain cancel waits for watchfiles' 5 s timeout before the thread gives up.
    stop = stop or asyncio.Event()
    watch_filter = WatchFilter(root, config)
    gitignore = GitIgnore(root)
    changes = awatch(
        root,
        watch_filter=watch_filter,
        step=config.step_ms,
        stop_event=stop,
    ).__aiter__()
    # awatch sets up its watcher synchronously in its first step, before its first await.
    pending: asyncio.Future[set[tuple[Change, str]]] | None = asyncio.ensure_future(
        changes.__anext__()
    )
    await asyncio.sleep(0)
    if ready is not None:
        ready.set()
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(changes.__anext__())
            # wait() leaves `pending` alone when this task is cancelled: it must finish
            # after `stop` is set below, not be cancelled while its thread still watches.
            await asyncio.wait({pending})
            raw = pending.result()
            pending = None
            paths = {Path(path) for _, path in raw}
            if any(path.name == ".gitignore" for path in paths):
                gitignore.forget()
                paths = {path for path in paths if path.name != ".gitignore"}
            kept = await gitignore.kept(paths)
            if kept:
                yield kept
    except StopAsyncIteration:
        return
    finally:
        stop.set()
        if pending is not None:
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
        await changes.aclose()  # type: ignore[attr-defined]
