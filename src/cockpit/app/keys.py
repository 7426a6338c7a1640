"""The app's keys: one table for the bindings, the footer, the help screen and the palette."""

from __future__ import annotations

# (key, action, description, shown in the footer)
KEYS: tuple[tuple[str, str, str, bool], ...] = (
    ("a", "run_all", "Run all", True),
    ("r", "rerun", "Rerun", True),
    ("f", "run_failed", "Failed", True),
    ("enter", "", "run the selected module / test / root cause", False),
    ("slash", "set_keyword", "-k filter", True),
    ("m", "set_marker", "-m marker", False),
    ("x", "cancel_run", "Cancel", True),
    ("i", "isolate", "isolate the selected failure", False),
    ("F", "log_fix", "Fix", True),
    ("K", "known_issue", "Known", False),
    ("n", "note", "Note", False),
    ("e", "edit", "open the failure location in $EDITOR", False),
    ("v", "toggle_traceback", "the whole traceback, or library frames folded", False),
    ("c", "copy_nodeid", "copy the node id", False),
    ("E", "export", "Export", False),
    ("w", "toggle_watch", "Watch", False),
    ("t", "cycle_theme", "Theme", False),
    ("ctrl+f", "focus_filter", "filter the modules by typing", False),
    ("1", "show_tab('modules-tab')", "the modules, their tests and the failure detail", False),
    ("2", "show_tab('clusters-tab')", "root causes: failures grouped by signature", False),
    ("3", "show_tab('session-tab')", "the session: runs, fixes, known issues, notes", False),
    ("s", "", "cycle the module table's sort", False),
    ("question_mark", "help", "Help", True),
    ("q", "quit_cockpit", "Quit", True),
)
KEY_NAMES = {"slash": "/", "question_mark": "?", "enter": "enter"}


def key_help() -> list[tuple[str, str]]:
    return [(KEY_NAMES.get(key, key), text) for key, _, text, _ in KEYS]
