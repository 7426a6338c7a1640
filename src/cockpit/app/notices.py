"""How the app says things in passing: one notice at a time, over the key bar.

Textual's toasts stack at the bottom right, which is the detail pane's place (beside the
tests below 160 columns, under them above): they covered the traceback being read. Here a
new notice replaces the one shown and sits over the key bar (``app.tcss`` places it, at
most two lines, the second over a border), for three seconds unless it says otherwise.
"""

from __future__ import annotations

from textual.app import App
from textual.notifications import SeverityLevel


class NoticesApp(App[int]):
    NOTIFICATION_TIMEOUT = 3

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """One notice at a time; plain text unless asked, since node ids hold brackets."""
        self.clear_notifications()
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
