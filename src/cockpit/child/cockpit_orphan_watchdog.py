"""Stops a pytest run whose cockpit died: the child half of "no pytest outlives cockpit".

cockpit cancels its runs itself when it can. When it is killed outright (SIGKILL, an OOM
kill) nothing tells the child, which would run on unseen, writing into a file nobody
reads. The plugin's notify thread calls :meth:`OrphanWatchdog.check` on every tick: once
the parent process has changed (the child was re-parented), the run is interrupted as
Ctrl-C would (pytest ends its session cleanly), and if it is still alive
``ORPHAN_GRACE`` seconds later, the process exits.

Runs in the user's interpreter: standard library only, Python 3.8 syntax.
"""

from __future__ import annotations

import _thread
import os
import time
from typing import Optional

ORPHAN_GRACE = 5.0  # seconds between interrupting an orphaned run and exiting


class OrphanWatchdog:
    def __init__(self) -> None:
        self.parent = os.getppid()
        self.orphaned_at: Optional[float] = None

    def check(self) -> None:
        if os.getppid() == self.parent:
            return
        if self.orphaned_at is None:
            self.orphaned_at = time.monotonic()
            _thread.interrupt_main()
        elif time.monotonic() - self.orphaned_at > ORPHAN_GRACE:
            os._exit(2)
