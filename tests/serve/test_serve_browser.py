"""``cockpit serve`` in a real headless Chromium: the app, typed on through the page.

The server listens on 0.0.0.0 (a non-loopback bind, so the token is what guards it) and the
test only ever connects to 127.0.0.1. The demo project gets one test that waits, so pytest
is still running when the tab closes: closing it must end the app and that pytest.
Skipped without Chromium only outside CI, like the PostgreSQL tests.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.serve.cdp import CHROMIUM, Browser, Tab, wait_for

pytestmark = pytest.mark.slow
DEMO = Path(__file__).resolve().parents[2] / "src" / "cockpit" / "demo_project"
PYTEST_ARGS = ("--ignore", "tests/test_text.py")
"""Given to every tab's app: its runs leave this module out."""
DEMO_MODULES = ("test_customers.py", "test_invoices.py", "test_orders.py", "test_pricing.py")
WAITING_TEST = """
import threading


def test_waits_for_the_tab_to_close():
    threading.Event().wait(300)
"""


def need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must install Chromium at {CHROMIUM} (.ci/run installs Debian's)")
    pytest.skip(f"no {CHROMIUM}: apt-get install chromium")


def proc_state(pid: int) -> str | None:
    """A process's state letter (``Z`` for a zombie), None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def descendants(root: int) -> dict[int, str]:
    """Every live process under ``root``, with its command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, IndexError, ValueError):
                continue
    found: dict[int, str] = {}
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1):
            if ancestor == root:
                try:
                    command = (Path(f"/proc/{pid}/cmdline").read_bytes()).replace(b"\0", b" ")
                except OSError:
                    break
                if proc_state(pid) not in (None, "Z"):
                    found[pid] = command.decode(errors="replace")
                break
            ancestor = parents.get(ancestor)
    return found


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """``cockpit serve --host 0.0.0.0 --port 0`` on a copy of the demo: (process, URL, project)."""
    need_chromium()
    project = tmp_path / "demo"
    shutil.copytree(DEMO, project, ignore=shutil.ignore_patterns("__pycache__"))
    (project / "tests" / "test_zz_waits.py").write_text(WAITING_TEST)
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("VIRTUAL_ENV", None)
    command = [sys.executable, "-m", "cockpit", "serve", "--host", "0.0.0.0", "--port", "0"]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, "--python", sys.executable, "--", *PYTEST_ARGS],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        url = asyncio.run(
            wait_for(lambda: re.search(r"open (http://\S+)", out.read_text()), 30)
        ).group(1)
        yield process, url, project
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        print(err.read_text())


def local(url: str) -> str:
    """The printed URL (this machine's name on a wildcard bind) by the loopback address."""
    return re.sub(r"^http://[^/]+", "http://127.0.0.1:" + url.split(":")[2].split("/")[0], url)


async def refused_without_the_token(url: str) -> None:
    origin = url.split("/", 3)
    base = f"{origin[0]}//{origin[2]}"
    async with aiohttp.ClientSession() as http:
        for path in ("/", "/ws", "/static/js/textual.js", "/wrong-token/"):
            async with http.get(base + path) as response:
                assert response.status == 403, path
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"ws://{origin[2]}/ws?width=80&height=24")
        assert refused.value.status == 403
        async with http.get(url) as response:
            assert response.status == 200


async def drive(url: str, tmp_path: Path, serve_pid: int) -> dict[int, str]:
    browser = Browser(tmp_path / "chromium-profile", tmp_path / "chromium.log")
    await browser.start()
    try:
        tab = await Tab.open(browser, url)
        await wait_until_screen(
            tab, lambda text: "Modules" in text and "a Run all" in text and "q Quit" in text, 60
        )
        await tab.click(640, 400)
        await tab.press("a")
        await wait_until_screen(
            tab, lambda text: all(module in text for module in DEMO_MODULES), 90
        )
        await tab.screenshot(tmp_path / "serve-module-table.png")
        screen = await tab.screen()  # the pytest arguments arrived: in the header, not a row
        assert "[--ignore tests/test_text.py]" in screen
        assert screen.count("tests/test_text.py") == 1
        processes = await wait_for(lambda: pytest_running(serve_pid), 60)
        await tab.close()
        return processes
    finally:
        await browser.close()


async def wait_until_screen(tab: Tab, check: object, timeout: float) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        text = await tab.screen()
        if callable(check) and check(text):
            return text
        if loop.time() > deadline:
            raise AssertionError(f"the page never showed what was expected; it shows:\n{text}")
        await asyncio.sleep(0.2)


def pytest_running(serve_pid: int) -> dict[int, str]:
    """The tab's app and its pytest, once pytest runs the waiting test."""
    found = descendants(serve_pid)
    has_app = any(" cockpit app " in command for command in found.values())
    has_pytest = any("pytest" in command and " app " not in command for command in found.values())
    return found if has_app and has_pytest else {}


def test_the_app_in_a_browser_tab_runs_the_suite_and_closing_the_tab_ends_it(
    served: tuple[subprocess.Popen[bytes], str, Path], tmp_path: Path
) -> None:
    process, printed, project = served
    url = local(printed)
    asyncio.run(refused_without_the_token(url))
    processes = asyncio.run(drive(url, tmp_path, process.pid))
    assert (tmp_path / "serve-module-table.png").stat().st_size > 10_000

    asyncio.run(
        wait_for(lambda: not any(proc_state(pid) not in (None, "Z") for pid in processes), 60)
    )
    assert process.poll() is None  # the server outlives its tabs
    with sqlite3.connect(project / ".cockpit" / "cockpit.db") as db:
        runs = db.execute("SELECT outcome, selection_reason FROM runs").fetchall()
    # The tab's run was cancelled and recorded, not lost.
    assert runs == [("interrupted", "the whole suite (subset: --ignore tests/test_text.py)")]

    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    assert not descendants(process.pid)


def test_no_token_is_refused_on_a_non_loopback_bind(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "cockpit", "serve", "--host", "0.0.0.0", "--no-token"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert completed.returncode == 4
    (line,) = completed.stderr.strip().splitlines()
    assert line.startswith("cockpit: --no-token with --host 0.0.0.0 would let anyone")
