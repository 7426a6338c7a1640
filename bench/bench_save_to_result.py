"""Save -> first result line: ``cockpit watch`` against a cold pytest, pytest-watcher and
pytest-hot-reloading, on the same edits, side by side.

What the user feels in the save -> result loop is the time from the write to the first
test result on screen. Each save rewrites one test file so that its first test fails with
a new value (``EDIT = n`` / ``assert EDIT == 0``), and the time is taken from the wall
clock right after the write to the first output that shows that result:

- ``cockpit``: ``cockpit watch --no-record`` (warm starts, the default), its stdout a pipe:
  the ``FAILED tests/...::test_edit`` line it prints as the failure arrives;
- ``pytest-watcher``: ``ptw --now --runner pytest . -q -x --tb=no FILE``: pytest's ``F``;
- ``hot-reloading``: pytest-watcher again, its runner the client of a pytest-hot-reloading
  daemon started beforehand (``-p pytest_hot_reloading.plugin --daemon``, OS events);
- the yardstick: the wall time of a cold ``python -m pytest -q -x --tb=no FILE`` after the
  same kind of edit (start to exit).

The goal: cockpit's median at most 0.3x the cold wall, on a small backend whose tests
import SQLAlchemy models (``bench/sqla_project.py``) and on the 10,000-test suite
(``bench/gen_suite.py``). The projects run on their own virtualenv
(``bench/.work/save/venv``: pytest, SQLAlchemy, pytest-watcher with ``watchdog<7``,
pytest-hot-reloading), each a git checkout. Every tool block starts the tool, makes one
unmeasured save (the warm server and the daemon learn the project), pauses, then makes
``--saves`` measured ones, a random 0.4-0.8 s after each run's end; the tools' order
rotates every round. ``PYTHONUNBUFFERED=1`` for all, so no output waits in a buffer.

    python bench/bench_save_to_result.py --rounds 3 --saves 4
    python bench/bench_save_to_result.py --projects sqla --tools cockpit cold
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench_run import machine_line, source_line
from gen_suite import SuiteSpec, generate, manifest_spec
from sqla_project import write_project

BENCH = Path(__file__).resolve().parent
WORK = BENCH / ".work" / "save"
VENV = WORK / "venv"
PACKAGES = ("pytest", "sqlalchemy>=2", "pytest-watcher", "watchdog<7", "pytest-hot-reloading")
TIMEOUT = 60.0
PAUSES = (0.4, 0.8)
GOAL = 0.3
TOOLS = ("cold", "cockpit", "pytest-watcher", "hot-reloading")
EDIT_HEADER = "EDIT = {n}\n\n\ndef test_edit():\n    assert EDIT == 0\n\n\n"
_PYTEST_END = re.compile(r"\b\d+ (failed|passed|errors?)\b.* in [0-9.]+s")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> None:
    marker = VENV / ".cockpit-bench"
    wanted = "\n".join(PACKAGES)
    if marker.is_file() and marker.read_text() == wanted:
        return
    log(f"bench: creating {VENV}")
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(venv_python()), "-m", "pip", "install", "-q", *PACKAGES]
    subprocess.run(pip, check=True, capture_output=True)
    marker.write_text(wanted)


def prepare(name: str) -> tuple[Path, Path]:
    """The project's tree (a git checkout) and the test file every save rewrites."""
    tree = WORK / name
    if name == "sqla":
        write_project(tree)
        target = tree / "tests" / "test_orders.py"
    else:
        spec = SuiteSpec(tests=10_000, modules=200)
        if manifest_spec(tree) != spec:
            generate(tree, spec)
        target = tree / "tests" / "test_m0000.py"
    pristine = tree / ".pristine"
    if not pristine.is_file():
        pristine.write_text(target.read_text())
    target.write_text(pristine.read_text())
    (tree / ".gitignore").write_text(".pristine\n.cockpit/\n.pytest_cache/\n")
    if not (tree / ".git").is_dir():
        subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tree, check=True)
    return tree, target


class Output:
    """A process's merged output, read as it comes, each chunk with its arrival time."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        self.fd = process.stdout.fileno()
        self.chunks: list[tuple[float, str]] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while data := os.read(self.fd, 1 << 16):
            with self.lock:
                self.chunks.append((time.time(), data.decode("utf-8", "replace")))

    def wait_for(self, since: float, found: Callable[[str], bool], what: str) -> float:
        """When the output after ``since`` first satisfied ``found`` (text so far)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with self.lock:
                text = ""
                for stamp, chunk in self.chunks:
                    if stamp < since:
                        continue
                    text += chunk
                    if found(text):
                        return stamp
            time.sleep(0.002)
        with self.lock:
            tail = "".join(chunk for _, chunk in self.chunks)[-800:]
        raise TimeoutError(f"no {what} within {TIMEOUT} s; the output ended with:\n{tail}")


def _failed_line(text: str) -> bool:
    return any(line.startswith("FAILED ") and "test_edit" in line for line in text.splitlines())


def _pytest_f(text: str) -> bool:
    """pytest -q's progress: the F of the failing first test."""
    return any(re.match(r"^[.sxX]*F", line) for line in text.splitlines())


TOOL_END: dict[str, Callable[[str], bool]] = {
    "cockpit": lambda text: "watching for changes" in text,
    "pytest-watcher": lambda text: bool(_PYTEST_END.search(text)),
    "hot-reloading": lambda text: bool(_PYTEST_END.search(text)),
}
TOOL_FIRST: dict[str, Callable[[str], bool]] = {
    "cockpit": _failed_line,
    "pytest-watcher": _pytest_f,
    "hot-reloading": _pytest_f,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COCKPIT_", "PYTHONDONTWRITEBYTECODE"))
        and key not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Tool:
    """One watcher under test: started, fed saves, stopped."""

    def __init__(self, name: str, tree: Path, target: Path) -> None:
        self.name, self.tree, self.target = name, tree, target
        self.processes: list[subprocess.Popen[bytes]] = []
        self.output: Output | None = None

    def _spawn(self, argv: list[str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            argv,
            cwd=self.tree,
            env=environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def start(self) -> None:
        relative = str(self.target.relative_to(self.tree))
        python = str(venv_python())
        if self.name == "cockpit":
            cockpit = str(Path(sys.executable).parent / "cockpit")
            argv = [cockpit, "watch", "--no-record", "--python", python]
        else:
            runner = str(VENV / "bin" / "pytest")
            if self.name == "hot-reloading":
                runner = self._start_daemon()
            ptw = str(VENV / "bin" / "ptw")
            argv = [ptw, "--now", "--runner", runner, ".", "-q", "-x", "--tb=no", relative]
        self.output = Output(self._spawn(argv))
        if self.name == "cockpit":
            self.output.wait_for(0, lambda text: "ready" in text, "ready line")
        else:
            self.output.wait_for(0, TOOL_END[self.name], "first run (--now)")
        # pytest-watcher drops a change that lands while it ends a run (it releases its
        # trigger after the run): every save waits a moment after a run's end.
        time.sleep(PAUSES[1])

    def _start_daemon(self) -> str:
        port = free_port()
        plugin = ["-m", "pytest", "-p", "pytest_hot_reloading.plugin"]
        daemon = [str(venv_python()), *plugin, "--daemon", "--daemon-port", str(port)]
        self._spawn([*daemon, "--daemon-use-os-events"])
        deadline = time.monotonic() + TIMEOUT
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("the pytest-hot-reloading daemon never listened")
            time.sleep(0.05)
        runner = WORK / f"hot-runner-{port}"
        runner.write_text(
            f'#!/bin/sh\nexec {venv_python()} {" ".join(plugin)} --daemon-port {port} "$@"\n'
        )
        runner.chmod(0o755)
        return str(runner)

    def save(self, n: int, pause: random.Random) -> float:
        """Write edit ``n``; seconds from the write to the first result line."""
        assert self.output is not None
        pristine = (self.tree / ".pristine").read_text()
        self.target.write_text(EDIT_HEADER.format(n=n) + pristine)
        saved = time.time()
        first = self.output.wait_for(saved, TOOL_FIRST[self.name], "first result line")
        self.output.wait_for(saved, TOOL_END[self.name], "end of the run")
        time.sleep(pause.uniform(*PAUSES))
        return first - saved

    def stop(self) -> None:
        for process in reversed(self.processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with_kill = process.poll() is None
                if with_kill:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.processes.clear()


def cold_wall(tree: Path, target: Path, n: int) -> float:
    pristine = (tree / ".pristine").read_text()
    target.write_text(EDIT_HEADER.format(n=n) + pristine)
    argv = [str(venv_python()), "-m", "pytest", "-q", "-x", "--tb=no"]
    started = time.perf_counter()
    subprocess.run(
        [*argv, str(target.relative_to(tree))],
        cwd=tree,
        env=environment(),
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started


def measure(name: str, tools: list[str], rounds: int, saves: int) -> dict[str, list[float]]:
    tree, target = prepare(name)
    results: dict[str, list[float]] = {tool: [] for tool in tools}
    pause, counter = random.Random(7), 100
    for round_index in range(rounds):
        order = tools[round_index % len(tools) :] + tools[: round_index % len(tools)]
        for tool in order:
            block: list[float] = []
            if tool == "cold":
                for _ in range(saves + 1):
                    counter += 1
                    block.append(cold_wall(tree, target, counter))
                block = block[1:]  # the first wrote the pyc files: a warm-up
            else:
                runner = Tool(tool, tree, target)
                try:
                    runner.start()
                    counter += 1
                    runner.save(counter, pause)  # unmeasured: the tool learns the project
                    time.sleep(2.0)
                    for _ in range(saves):
                        counter += 1
                        block.append(runner.save(counter, pause))
                finally:
                    runner.stop()
            results[tool] += block
            shown = " ".join(f"{value * 1000:.0f}" for value in block)
            log(f"{name} round {round_index + 1} {tool}: {shown} ms")
    target.write_text((tree / ".pristine").read_text())
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", nargs="+", default=["sqla", "suite10k"])
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--saves", type=int, default=4)
    options = parser.parse_args(argv)
    ensure_venv()
    print(f"bench_save_to_result {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(source_line())
    print(machine_line())
    for name in options.projects:
        results = measure(name, options.tools, options.rounds, options.saves)
        cold = statistics.median(results["cold"]) if results.get("cold") else None
        print(f"\n{name}: save -> first result line (medians, ms)")
        for tool, values in results.items():
            median = statistics.median(values)
            ratio = f" = {median / cold:.3f}x the cold wall" if cold and tool != "cold" else ""
            print(
                f"  {tool:>15}: {median * 1000:6.0f} (min {min(values) * 1000:.0f}, "
                f"max {max(values) * 1000:.0f}, n={len(values)}){ratio}"
            )
        if cold and results.get("cockpit"):
            ratio = statistics.median(results["cockpit"]) / cold
            verdict = "met" if ratio <= GOAL else "NOT met"
            print(f"  goal cockpit / cold pytest <= {GOAL}: {ratio:.3f} ({verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
