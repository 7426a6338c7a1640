"""``cockpit run`` on hostile tests: forking, forged events, control characters, a 5 MB
message, a 2,000-character id. Nothing hangs, nothing is lost, counts equal pytest's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cockpit.engine.runner import PIPE_GRACE, SIGINT_GRACE, SIGTERM_GRACE
from tests.helpers import cockpit, copy_project, process_running

pytestmark = pytest.mark.slow


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        pause.wait(0.05)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """The hostile project, and the folder its forking test writes its children's pids to;
    whatever is still running at the end (a bare pytest run leaves them) is killed."""
    project = copy_project("hostile", tmp_path)
    pids = tmp_path / "pids"
    pids.mkdir()
    yield project, pids
    for pid_file in pids.iterdir():
        pid = int(pid_file.read_text())
        if process_running(pid):
            os.kill(pid, signal.SIGKILL)


def bare_pytest_counts(project: Path, env: dict[str, str]) -> tuple[int, dict[str, int]]:
    """pytest alone on the same project. Its output goes to a file: the process the fork
    test leaves would hold a pipe open for 1,000 s."""
    log = project / "bare.log"
    with log.open("w") as out:
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
            cwd=project,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            timeout=120,
        )
    closing = log.read_text().strip().splitlines()[-1]
    counts = {}
    for part in closing.split(" in ")[0].split(", "):
        count, word = part.split(" ", 1)
        counts[{"error": "errors"}.get(word, word)] = int(count)
    return completed.returncode, counts


def test_hostile_suite_ends_at_once_with_pytests_counts(hostile: tuple[Path, Path]) -> None:
    project, pids = hostile
    env = {"HOSTILE_PID_DIR": str(pids)}
    started = time.monotonic()
    completed = cockpit(
        "run", "--json", "--python", sys.executable, "-p", "no:randomly", cwd=project, env=env
    )
    took = time.monotonic() - started
    report = json.loads(completed.stdout)
    assert completed.stderr == ""
    assert took < 30, took  # the forked child sleeps 1,000 s
    (fork_file,) = list(pids.iterdir())
    forked = int(fork_file.read_text())
    wait_until(lambda: not process_running(forked), 5, "the forked child to be killed")
    (left,) = [n for n in report["notices"] if n["kind"] == "left-running"]
    assert left["pids"] == [forked]
    assert left["message"] == f"a test left 1 process running (pid {forked}), killed"
    assert report["skipped_event_lines"] > 16  # every forged line, counted
    bare_code, bare = bare_pytest_counts(project, env)
    for key in ("passed", "failed", "errors", "skipped", "xfailed", "xpassed"):
        assert report["totals"][key] == bare.get(key, 0), key
    assert completed.returncode == bare_code == 1
    assert report["collected"] == sum(bare.values())


def test_the_headless_summary_says_what_was_killed_and_skipped(hostile: tuple[Path, Path]) -> None:
    project, pids = hostile
    completed = cockpit(
        "run",
        "--python",
        sys.executable,
        "-p",
        "no:randomly",
        cwd=project,
        env={"HOSTILE_PID_DIR": str(pids), "COLUMNS": "200"},
    )
    out = completed.stdout
    assert "a test left 1 process running (pid " in out
    assert out.count("warning: skipped ") == 1  # warned once, live
    assert "lines of the event stream that were not cockpit's" in out.split("root causes")[1]
    for character in ("\x1b", "\x07", "\x9b", "\x7f", "\x08"):
        assert character not in out, repr(character)
    assert "␛[2J" in out  # shown, not obeyed
    assert completed.returncode == 1


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_ends_cockpit_run_within_its_graces_whatever_the_child_does(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """The test ignores SIGINT and SIGTERM; its forked child left the group and the
    session and holds the run's pipes: cockpit still ends within SIGINT + SIGTERM grace."""
    project = copy_project("hang", tmp_path)
    pid_file = tmp_path / "forked.pid"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "cockpit", "run", "--json", "--python", sys.executable),
            *("-p", "no:cacheprovider", "-k", "ignores_signals_and_forks"),
        ],
        cwd=project,
        env={**os.environ, "HANG_PID_FILE": str(pid_file)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: pid_file.exists() and pid_file.read_text().strip() != "", 60, "fork")
        forked = int(pid_file.read_text())
        started = time.monotonic()
        process.send_signal(sig)
        stdout, _ = process.communicate(timeout=60)
        took = time.monotonic() - started
    finally:
        process.kill()
    assert took < SIGINT_GRACE + SIGTERM_GRACE + PIPE_GRACE + 3.0, took
    assert not process_running(forked)
    report = json.loads(stdout)
    assert process.returncode == 2 and report["outcome"] == "interrupted"
    kinds = {notice["kind"]: notice for notice in report["notices"]}
    assert kinds["left-running"]["pids"] == [forked]
    (running,) = kinds["interrupted-tests"]["tests"]
    assert running["nodeid"] == "tests/test_hang.py::test_ignores_signals_and_forks"
    assert running["seconds"] > 0
    (recorded,) = json.loads(cockpit("runs", "--json", cwd=project).stdout)
    assert recorded["outcome"] == "interrupted"
    assert [n["kind"] for n in recorded["notices"]] == ["interrupted-tests", "left-running"]
    assert recorded["notices"][0]["message"].startswith(
        "cancelled while tests/test_hang.py::test_ignores_signals_and_forks was running for "
    )


def test_clusters_and_export_of_the_hostile_run(hostile: tuple[Path, Path]) -> None:
    """``cockpit clusters`` shows the control characters as pictures; the exported Markdown
    parses, and every table row has its header's width (the 2,000-character id, the
    5 MB message and the escape codes included)."""
    from markdown_it import MarkdownIt

    project, pids = hostile
    env = {"HOSTILE_PID_DIR": str(pids)}
    assert cockpit("session", "start", "Hostile", cwd=project).returncode == 0
    ran = cockpit(
        "run", "--json", "--python", sys.executable, "-p", "no:randomly", cwd=project, env=env
    )
    assert ran.returncode == 1, ran.stderr
    clusters = cockpit("clusters", cwd=project, env={"COLUMNS": "200"})
    assert clusters.returncode == 0, clusters.stderr
    assert "run 1: 4 root causes" in clusters.stdout
    assert not any(c in clusters.stdout for c in ("\x1b", "\x07", "\x9b"))
    (left,) = json.loads(cockpit("runs", "--json", cwd=project).stdout)[0]["notices"][:1]
    assert left["kind"] == "left-running"
    exported = cockpit("export", "-o", "-", cwd=project)
    assert exported.returncode == 0, exported.stderr
    markdown = exported.stdout
    assert not any(c in markdown for c in ("\x1b", "\x07", "\x9b", "\x7f"))
    assert "p" * 1900 in markdown  # the long id, whole
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    tables = 0
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            tables += 1
            widths = []
            for inner in tokens[index:]:
                if inner.type == "table_close":
                    break
                if inner.type == "tr_open":
                    widths.append(0)
                elif inner.type in ("th_open", "td_open"):
                    widths[-1] += 1
            assert len(set(widths)) == 1, widths
    assert tables >= 3
    assert len(markdown) < 2_000_000  # the 5 MB message was clipped, not copied
