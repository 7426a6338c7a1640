"""A test that forks and leaves its child running, holding every descriptor it inherited."""

import os
import time


def test_fork_leaves_a_child_running():
    pid = os.fork()
    if pid == 0:
        time.sleep(1000)
        os._exit(0)
    folder = os.environ.get("HOSTILE_PID_DIR")
    if folder:  # the suite kills what a bare pytest run leaves behind
        with open(os.path.join(folder, "fork-%d.pid" % os.getpid()), "w") as handle:
            handle.write("%d\n" % pid)
