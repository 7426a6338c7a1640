"""The key bar's content: which keys it names and in how many words, for a width. Pure.

Every key is on the help screen (``?``) and in the palette; the bar names as many as fit,
the most useful first (``?`` and ``q`` always), in the key table's order, with the longer
words when they fit the same keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from cockpit.app.keys import KEY_NAMES, KEYS


class Hint(NamedTuple):
    key: str
    """As shown: ``/``, ``?``, ``1-3``, ``^p``."""
    label: str
    short: str
    priority: int
    action: str
    """What a click on it runs (``app.`` namespace); empty for none."""


ESSENTIAL = 6
TABS_HINT = Hint("1-3", "Tabs", "tabs", 5, "")
PALETTE_HINT = Hint("^p", "Palette", "palette", 9, "command_palette")


def bar_hints(*, running: bool, watching: bool) -> list[Hint]:
    """The keys the bar may name now: cancel only while a run goes; watch says its state."""
    hints = []
    for key in KEYS:
        if not key.label or (key.action == "cancel_run" and not running):
            continue
        label, short = key.label, key.short or key.label.lower()
        if key.action == "toggle_watch" and watching:
            label, short = "Stop watching", "unwatch"
        shown = KEY_NAMES.get(key.key, key.key)
        hints.append(Hint(shown, label, short, key.priority, key.action))
    help_at = next(i for i, hint in enumerate(hints) if hint.action == "help")
    return [*hints[:help_at], TABS_HINT, PALETTE_HINT, *hints[help_at:]]


def _width(hints: Sequence[Hint], short: bool) -> int:
    gap = 1 if short else 2
    words = sum(len(h.key) + 1 + len(h.short if short else h.label) for h in hints)
    return words + gap * max(0, len(hints) - 1)


def _chosen(hints: Sequence[Hint], width: int, short: bool) -> list[Hint]:
    """The most useful hints that fit, added by priority while they fit, in bar order."""
    ranked = sorted(range(len(hints)), key=lambda index: (hints[index].priority, index))
    kept: set[int] = set()
    for index in ranked:
        trial = [hints[i] for i in sorted({*kept, index})]
        if _width(trial, short) <= width:
            kept.add(index)
    return [hints[i] for i in sorted(kept)]


def fit_hints(hints: Sequence[Hint], width: int) -> tuple[list[Hint], bool]:
    """The hints a bar of ``width`` shows, and whether in their short words: the long
    words unless the short ones fit more of the keys that matter (priority up to
    ``ESSENTIAL``; the others are extras for a wide bar)."""
    long = _chosen(hints, width, short=False)
    short = _chosen(hints, width, short=True)

    def essential(chosen: list[Hint]) -> int:
        return sum(hint.priority <= ESSENTIAL for hint in chosen)

    return (short, True) if essential(short) > essential(long) else (long, False)
