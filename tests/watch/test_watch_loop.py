"""The watcher on a real folder, its filters, and the loop's cancel-and-union rule."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest

from cockpit.watch.config import WatchConfig
from cockpit.watch.ignore import GitIgnore, ignored_by, parse_gitignore
from cockpit.watch.loop import WatchLoop
from cockpit.watch.selection import Selection, Target
from cockpit.watch.watcher import WatchFilter, watch_changes

TIMEOUT = 10.0


def test_gitignore_matcher() -> None:
    patterns = parse_gitignore("# comment\n*.log\n/build/\nsecret/**/*.key\n!keep.log\nout/\n")
    assert ignored_by(patterns, "x/debug.log")
    assert not ignored_by(patterns, "keep.log")
    assert ignored_by(patterns, "build/a.py")
    assert not ignored_by(patterns, "src/build.py")
    assert ignored_by(patterns, "secret/a/b/c.key")
    assert ignored_by(patterns, "deep/out/gen.py")
    assert not ignored_by(patterns, "deep/outer.py")


def test_the_filter_skips_venvs_caches_build_and_keeps_python_config_extra(tmp_path: Path) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").touch()
    wanted = WatchFilter(tmp_path, WatchConfig(extra=("data/*.json",), ignore=("docs/**",))).wanted
    assert wanted(tmp_path / "pkg" / "a.py")
    assert wanted(tmp_path / "pyproject.toml")
    assert wanted(tmp_path / "data" / "x.json")
    assert wanted(tmp_path / "sub" / ".gitignore")
    for skipped in (
        "env/lib/site.py",
        "build/lib/a.py",
        "dist/a.py",
        ".git/hooks/x.py",
        ".cockpit/a.py",
        "pkg/__pycache__/a.py",
        ".pytest_cache/a.py",
        "docs/conf.py",
        "notes.txt",
        "data/x.csv",
    ):
        assert not wanted(tmp_path / skipped), skipped


def test_git_check_ignore_drops_ignored_paths(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is needed for this test")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("generated/\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("local_*.py\n")
    paths = {tmp_path / "generated" / "a.py", tmp_path / "sub" / "local_x.py", tmp_path / "b.py"}
    ignore = GitIgnore(tmp_path)
    assert asyncio.run(ignore.kept(paths)) == {tmp_path / "b.py"}
    # Answers are kept until a .gitignore changes.
    (tmp_path / ".gitignore").write_text("b.py\n")
    assert asyncio.run(ignore.kept(paths)) == {tmp_path / "b.py"}
    ignore.forget()
    assert asyncio.run(ignore.kept(paths)) == {tmp_path / "generated" / "a.py"}


async def _next_batch(changes: AsyncIterator[set[Path]]) -> set[Path]:
    return await asyncio.wait_for(changes.__anext__(), TIMEOUT)


def test_watch_changes_yields_one_batch_per_burst(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "pyvenv.cfg").touch()

    async def scenario() -> tuple[set[Path], set[Path]]:
        ready = asyncio.Event()
        changes = watch_changes(tmp_path, WatchConfig(), ready=ready)
        first = asyncio.ensure_future(_next_batch(changes))
        await ready.wait()
        for index in range(20):  # a burst: one batch
            (tmp_path / f"m{index}.py").write_text(f"X = {index}\n")
        (tmp_path / "ignored.py").write_text("")
        (tmp_path / "venv" / "lib.py").write_text("")
        (tmp_path / "notes.txt").write_text("")
        burst = await first
        (tmp_path / "m0.py").write_text("X = 100\n")
        second = await _next_batch(changes)
        await changes.aclose()  # type: ignore[attr-defined]
        return burst, second

    burst, second = asyncio.run(scenario())
    assert burst == {tmp_path / f"m{index}.py" for index in range(20)}
    assert second == {tmp_path / "m0.py"}


def test_cancelling_the_consumer_stops_the_watch_promptly(tmp_path: Path) -> None:
    async def scenario() -> None:
        ready = asyncio.Event()

        async def consume() -> None:
            async for _ in watch_changes(tmp_path, WatchConfig(), ready=ready):
                pass

        task = asyncio.create_task(consume())
        await ready.wait()
        task.cancel()
        # Well under watchfiles' own 5 s timeout, after which its thread would give up.
        done, _ = await asyncio.wait({task}, timeout=2.0)
        assert done == {task} and task.cancelled()

    asyncio.run(scenario())


class FakeSelector:
    def select(self, changed: Iterable[Path], last_failed: Iterable[str] = ()) -> Selection:
        return Selection(
            targets=tuple(Target(f"tests/test_{Path(p).stem}.py", ("x",)) for p in changed),
            changed=tuple(str(p) for p in changed),
        )


class BlockingRuns:
    """Runs that last until cancelled: the loop must cancel them for a new change."""

    def __init__(self) -> None:
        self.started: list[Selection] = []
        self.cancelled = 0
        self.running = asyncio.Event()
        self._release = asyncio.Event()

    async def run(self, selection: Selection) -> None:
        self.started.append(selection)
        self._release = asyncio.Event()
        self.running.set()
        await self._release.wait()

    async def cancel(self) -> None:
        self.cancelled += 1
        self._release.set()


def test_a_change_during_a_run_cancels_it_and_runs_the_union() -> None:
    async def scenario() -> BlockingRuns:
        runs = BlockingRuns()
        loop = WatchLoop(FakeSelector(), runs)
        await loop.handle({Path("a.py")})
        await runs.running.wait()
        await loop.handle({Path("b.py")})
        assert loop.running
        await runs.cancel()
        return runs

    runs = asyncio.run(scenario())
    assert runs.cancelled == 2  # once by the loop, once at the end
    first, second = runs.started
    assert [t.path for t in first.targets] == ["tests/test_a.py"]
    assert [t.path for t in second.targets] == ["tests/test_a.py", "tests/test_b.py"]


def test_an_empty_selection_starts_nothing_and_cancels_nothing() -> None:
    class EmptySelector:
        def select(self, changed: Iterable[Path], last_failed: Iterable[str] = ()) -> Selection:
            return Selection(notes=("ignored",))

    async def scenario() -> tuple[BlockingRuns, list[bool]]:
        runs = BlockingRuns()
        seen: list[bool] = []
        loop = WatchLoop(EmptySelector(), runs, on_selection=lambda s, r: seen.append(s.is_empty))
        assert await loop.handle({Path("a.py")}) is None
        return runs, seen

    runs, seen = asyncio.run(scenario())
    assert runs.started == [] and runs.cancelled == 0 and seen == [True]


def test_watch_mode_imports_without_textual_or_sqlalchemy() -> None:
    code = (
        "import sys, cockpit.watch, cockpit.watch.loop, cockpit.watch.watcher, cockpit.cli.watch\n"
        "print(sorted(m for m in ('textual', 'sqlalchemy') if m in sys.modules))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"
