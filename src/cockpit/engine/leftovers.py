"""The processes a test left running after pytest exited, found before they are killed.

A test that forks (or starts a daemon) leaves a process behind that inherited the
child's descriptors: it keeps the notify pipe and the output pipes open for as long as it
lives, and it belongs to the run's process group (the pytest child leads its own session).
The run names them (``a test left 1 process running (pid 4321), killed``), so they are
found first: on Linux, ``/proc/<pid>/stat`` gives each process's group and session, and
``/proc/<pid>/fd`` what it holds open (a process that left the group with ``setsid`` but
still holds the run's pipe is the run's too). Elsewhere only the group can be killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

PROC = Path("/proc")


class ProcessInfo(NamedTuple):
    pid: int
    state: str
    pgid: int
    sid: int


def parse_stat(text: str) -> ProcessInfo | None:
    """``/proc/<pid>/stat``: ``pid (comm) state ppid pgrp session ...``; the command name
    may hold spaces and parentheses, so the fields are read after its last ``)``."""
    head, _, rest = text.rpartition(")")
    fields = rest.split()
    try:
        return ProcessInfo(int(head.split("(", 1)[0]), fields[0], int(fields[2]), int(fields[3]))
    except (IndexError, ValueError):
        return None


def _processes(proc: Path) -> Iterable[ProcessInfo]:
    try:
        entries = [entry for entry in proc.iterdir() if entry.name.isdigit()]
    except OSError:
        return
    for entry in entries:
        try:
            info = parse_stat((entry / "stat").read_text(errors="replace"))
        except OSError:
            continue  # it ended meanwhile
        if info is not None:
            yield info


def _holds(proc: Path, pid: int, files: Collection[tuple[int, int]]) -> bool:
    """Whether ``pid`` has one of ``files`` (device, inode) open."""
    try:
        descriptors = list((proc / str(pid) / "fd").iterdir())
    except OSError:
        return False  # another user's process, or gone
    for descriptor in descriptors:
        try:
            status = descriptor.stat()
        except OSError:
            continue
        if (status.st_dev, status.st_ino) in files:
            return True
    return False


def find_leftovers(
    leader: int, holding: Collection[tuple[int, int]] = (), proc: Path = PROC
) -> list[int]:
    """The live processes of ``leader``'s process group or session, and (when ``holding``
    names files) any other process holding one of them open; never this process."""
    found = []
    for info in _processes(proc):
        if info.pid == os.getpid() or info.state in ("Z", "X"):
            continue
        ours = info.pgid == leader or info.sid == leader
        if ours or (holding and _holds(proc, info.pid, holding)):
            found.append(info.pid)
    return sorted(found)


def group_alive(leader: int) -> bool:
    try:
        os.killpg(leader, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_all(leader: int, pids: Iterable[int]) -> None:
    """SIGKILL the group and each of ``pids`` (gone already is fine)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(leader, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def left_running_notice(pids: Sequence[int]) -> str:
    """What the run's output and record say of them."""
    count = len(pids)
    noun = "process" if count == 1 else "processes"
    shown = ", ".join(map(str, pids[:10])) + (", ..." if count > 10 else "")
    label = "pid" if count == 1 else "pids"
    return f"a test left {count} {noun} running ({label} {shown}), killed"
