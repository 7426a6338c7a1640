"""The key bar at the bottom: the keys that fit the width, each one clickable.

It replaces Textual's ``Footer``, which cuts the keys that do not fit (``q Quit`` first,
at 80 columns) and cannot say the watch's state; the choice of keys is
``views.key_hints``.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widgets import Static

from cockpit.app.views.key_hints import bar_hints, fit_hints


class HintSpan(NamedTuple):
    """Where a hint is on the bar (columns from its start), and what a click on it runs."""

    start: int
    end: int
    action: str


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; padding: 0 1; background: $panel; color: $foreground; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.running = False
        self.watching = False
        self.spans: list[HintSpan] = []
        self._shown: tuple[int, bool, bool, str | None] | None = None

    def show_state(self, *, running: bool, watching: bool) -> None:
        """Redrawn only when what it says changes (the header calls this every tick)."""
        self.running, self.watching = running, watching
        self._draw()

    def on_resize(self, event: events.Resize) -> None:
        self._draw()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self._draw()  # a theme change: the keys' colour follows

    def _draw(self) -> None:
        width = self.content_region.width or self.app.size.width - 2
        theme = self.app.current_theme
        colour = (theme.accent or theme.primary) if theme is not None else None
        wanted = (width, self.running, self.watching, colour)
        if wanted == self._shown:
            return
        self._shown = wanted
        text, self.spans = key_text(
            width, running=self.running, watching=self.watching, colour=colour
        )
        self.update(text)

    async def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for span in self.spans:
            if span.start <= offset.x < span.end and span.action:
                await self.app.run_action(span.action)
                return


def key_text(
    width: int, *, running: bool, watching: bool, colour: str | None = None
) -> tuple[Text, list[HintSpan]]:
    """The bar's text for ``width``, and where each hint is on it."""
    hints, short = fit_hints(bar_hints(running=running, watching=watching), width)
    text = Text(no_wrap=True, overflow="crop")
    spans = []
    gap = " " if short else "  "
    for index, hint in enumerate(hints):
        if index:
            text.append(gap)
        start = text.cell_len
        text.append(hint.key, style=Style(bold=True, color=colour))
        text.append(" " + (hint.short if short else hint.label))
        spans.append(HintSpan(start, text.cell_len, hint.action))
    return text, spans
