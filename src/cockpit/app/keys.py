"""The app's keys: one table for the bindings, the key bar, the help screen and the palette."""

from __future__ import annotations

from typing import NamedTuple


class Key(NamedTuple):
    key: str
    """Textual's name of the key (``slash``, ``question_mark``...)."""
    action: str
    """The action it runs; empty for keys a widget handles itself."""
    description: str
    """What it does, for the help screen and (capitalised) the command palette."""
    label: str = ""
    """Its word on the key bar; empty keeps it off the bar (``?`` lists every key)."""
    short: str = ""
    """A shorter word for a narrow bar (default: the label, lower-cased)."""
    priority: int = 9
    """On a bar too narrow for every key, the lowest numbers stay longest."""


KEYS: tuple[Key, ...] = (
    Key("a", "run_all", "Run all", "Run all", "all", 1),
    Key("r", "rerun", "Rerun", "Rerun", priority=4),
    Key("f", "run_failed", "Failed", "Failed", priority=2),
    Key("w", "toggle_watch", "Watch", "Watch", priority=2),
    Key("enter", "", "run the selected module / test / root cause"),
    Key("slash", "set_keyword", "-k filter", "-k filter", "-k", 5),
    Key("m", "set_marker", "-m marker", "-m marker", "-m", 7),
    Key("x", "cancel_run", "Cancel", "Cancel", priority=1),
    Key("i", "isolate", "isolate the selected failure", "Isolate", priority=6),
    Key("F", "log_fix", "Fix", "Fix", priority=2),
    Key("K", "known_issue", "Known issue", "Known issue", "known", 3),
    Key("n", "note", "Note", "Note", priority=3),
    Key("e", "edit", "open the failure location in $EDITOR", "Edit", priority=6),
    Key(
        "v",
        "toggle_traceback",
        "the whole traceback, or library frames folded",
        "Traceback",
        "tb",
        7,
    ),
    Key("c", "copy_nodeid", "copy the node id", "Copy id", "copy", 8),
    Key("E", "export", "Export", "Export", priority=3),
    Key("t", "cycle_theme", "Theme", "Theme", priority=8),
    Key("ctrl+f", "focus_filter", "filter the modules by typing"),
    Key("1", "show_tab('modules-tab')", "the modules, their tests and the failure detail"),
    Key("2", "show_tab('clusters-tab')", "root causes: failures grouped by signature"),
    Key("3", "show_tab('session-tab')", "the session: runs, fixes, known issues, notes"),
    Key("s", "", "cycle the module table's sort"),
    Key("question_mark", "help", "Help", "Keys", priority=0),
    Key("q", "quit_cockpit", "Quit", "Quit", priority=0),
)
KEY_NAMES = {"slash": "/", "question_mark": "?", "enter": "enter"}


def key_help() -> list[tuple[str, str]]:
    return [(KEY_NAMES.get(key.key, key.key), key.description) for key in KEYS]
