"""Tests that never finish on their own. Select them one at a time with -k."""

import os
import signal
import subprocess
import time


def test_quick():
    assert True


def test_sleeps_forever():
    time.sleep(3600)


def test_ignores_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    time.sleep(3600)


def test_spawns_child():
    child = subprocess.Popen(["sleep", "3600"])
    pid_file = os.environ.get("HANG_PID_FILE")
    if pid_file:
        with open(pid_file, "w") as handle:
            handle.write(f"{child.pid}\n")
    time.sleep(3600)


def test_ignores_signals_and_forks():
    """Deaf to SIGINT and SIGTERM, with a child that left the process group (and the
    session) but holds every descriptor pytest inherited."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        time.sleep(3600)
        os._exit(0)
    pid_file = os.environ.get("HANG_PID_FILE")
    if pid_file:
        with open(pid_file, "w") as handle:
            handle.write(f"{pid}\n")
    time.sleep(3600)
