"""A test that writes forged and garbage lines into every descriptor it inherited.

cockpit's event file is an unlinked temporary file (like pytest's capture files), its
notify pipe a pipe: the test writes into all of them, as a careless test might.
"""

import atexit
import json
import os
import random


def _inherited(marker):
    """The descriptors of this process whose target names ``marker`` (Linux /proc)."""
    found = []
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return found
    for name in names:
        try:
            if marker in os.readlink("/proc/self/fd/" + name):
                found.append(int(name))
        except OSError:
            pass
    return found


FORGED = [
    b"not json at all\n",
    b'{"kind": "test_report", "nodeid": "tests/test_forged.py::t", "when": "ca\n',
    b'{"kind": "test_report"}\n',
    b'{"kind": "test_report", "nodeid": 5, "when": [], "outcome": {}}\n',
    b'{"kind": "phases_passed", "nodeid": "x.py::y", "phases": 7, "duration": "slow"}\n',
    b'{"kind": "collection", "items": [1, 2, {"nodeid": null}]}\n',
    b'{"kind": "session_finish", "exitstatus": "zero"}\n',
    b'{"kind": "session_start", "protocol": 99}\n',
    b"[1, 2, 3]\n",
    b"42\n",
    b"null\n",
    b'"a string"\n',
    # a well-formed event that is not cockpit's: it must not count as a passed test
    json.dumps(
        {
            "kind": "test_report",
            "nodeid": "tests/test_forged.py::test_that_does_not_exist",
            "when": "call",
            "outcome": "passed",
            "category": "passed",
            "duration": 0.1,
        }
    ).encode()
    + b"\n",
    b"\x00\xff\xfe\x1b[2J" + bytes(range(256)) + b"\n",
    b"x" * (3 * 1024 * 1024) + b"\n",  # a line of several MB
    b"garbage without a newline, then cockpit's next line",
]


def test_forges_events_into_every_inherited_file():
    generator = random.Random(11)
    for fd in _inherited("(deleted)"):
        if fd <= 2:
            continue
        for line in FORGED:
            os.write(fd, line)
        os.write(fd, bytes(generator.randrange(256) for _ in range(4096)))
        # written when the interpreter exits, after cockpit's plugin closed its own copy:
        # a line with no newline before EOF
        atexit.register(os.write, os.dup(fd), b'{"kind": "session_finish", "exitstatus": 0')
    for fd in _inherited("pipe:"):
        if fd <= 2:
            continue
        blocking = os.get_blocking(fd)
        try:
            os.set_blocking(fd, False)
            os.write(fd, b"\x00garbage on a pipe\n")
        except OSError:
            pass  # a read end, or a full pipe
        finally:
            os.set_blocking(fd, blocking)
