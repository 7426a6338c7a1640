"""The tabs' titles: each says its key and how many rows it holds ("2 Root causes (4)")."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import TabbedContent

from cockpit.report.figures import plural


def tab_titles(modules: int, causes: int, runs: int | None) -> dict[str, Content]:
    session = "Session" if runs is None else f"Session ({plural(runs, 'run')})"
    titles = {
        "modules-tab": ("1", f"Modules ({modules})"),
        "clusters-tab": ("2", f"Root causes ({causes})"),
        "session-tab": ("3", session),
    }
    return {
        pane: Content.assemble((key, "bold"), " ", title) for pane, (key, title) in titles.items()
    }


def retitle(tabs: TabbedContent, titles: dict[str, Content]) -> None:
    """Set the titles that changed (a new title re-measures the tab row)."""
    for pane, title in titles.items():
        tab = tabs.get_tab(pane)
        if tab.label.plain != title.plain:
            tab.label = title
