"""The cockpit app: the run on screen, its modules, tests, root causes and session.

``CockpitApp`` is the core (``core``) with the keys that start runs (``run_actions``), the
session-log actions (``session_actions``), the outward ones (``outward_actions``), the
filters and tabs (``filter_actions``) and the root causes' live evidence
(``rootcause_actions``); its keys come from one table (``keys``).
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from cockpit.app.filter_actions import FilterActions
from cockpit.app.keys import KEYS
from cockpit.app.outward_actions import OutwardActions
from cockpit.app.rootcause_actions import RootCauseActions
from cockpit.app.run_actions import RunActions
from cockpit.app.session_actions import SessionActions


class CockpitApp(RunActions, SessionActions, OutwardActions, FilterActions, RootCauseActions):
    TITLE = "cockpit"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key.key, key.action, key.description, show=False) for key in KEYS if key.action),
        Binding("ctrl+q,ctrl+c", "quit_cockpit", "Quit", show=False, priority=True),
    ]
