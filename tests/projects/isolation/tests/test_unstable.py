"""A deterministically flaky test: every process takes the next attempt number from an
atomically created file and fails on even attempts, so consecutive attempts alternate
whatever order parallel processes start in."""

import os
from pathlib import Path

ATTEMPTS = Path(__file__).resolve().parent / ".attempts"


def next_attempt():
    ATTEMPTS.mkdir(exist_ok=True)
    attempt = 0
    while True:
        try:
            os.close(os.open(ATTEMPTS / str(attempt), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return attempt
        except FileExistsError:
            attempt += 1


def test_alternates():
    assert next_attempt() % 2 == 1, "even attempt"
