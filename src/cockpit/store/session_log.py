"""The session log: sessions, runs and their results, fixes, known issues, notes.

One class made of its parts (``sessions``, ``runs``, ``snapshot_store``,
``annotations``, ``imported``), each
method one short transaction (an imported run: one long one). Methods raise
:class:`~cockpit.errors.StoreError` with a one-line message for anything the user can get
wrong (an unknown run id, a session already open).
"""

from __future__ import annotations

import time

from cockpit.settings import DatabaseLocation
from cockpit.store.annotations import AnnotationStore
from cockpit.store.call_map import CallMapStore
from cockpit.store.database import open_engine
from cockpit.store.imported import ImportStore
from cockpit.store.sessions import Clock


class SessionLog(AnnotationStore, ImportStore, CallMapStore):
    """The session log of one project (or of one database URL)."""

    @classmethod
    def open(cls, location: DatabaseLocation, clock: Clock = time.time) -> SessionLog:
        """The log at ``location``, its schema upgraded and runs left by a cockpit that
        died marked interrupted."""
        log = cls(open_engine(location), clock)
        log.mark_interrupted_runs()
        return log
