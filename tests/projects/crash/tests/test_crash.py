"""Tests that take the whole pytest process down. Select them one at a time with -k."""

import faulthandler
import os
import signal


def test_before():
    assert True


def test_segfault():
    faulthandler._sigsegv()


def test_os_exit():
    os._exit(3)


def test_sigkill():
    os.kill(os.getpid(), signal.SIGKILL)


def test_after():
    assert True
