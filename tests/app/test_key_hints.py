"""The key bar's choice of keys for a width (pure), and its text."""

from __future__ import annotations

import pytest

from cockpit.app.views.key_hints import bar_hints, fit_hints
from cockpit.app.widgets.key_bar import key_text


def shown(width: int, *, running: bool = False, watching: bool = False) -> str:
    return key_text(width, running=running, watching=watching)[0].plain


@pytest.mark.parametrize("width", [78, 118, 158])
def test_the_bar_fits_its_width_and_always_names_help_and_quit(width: int) -> None:
    for running in (False, True):
        text = shown(width, running=running, watching=running)
        assert len(text) <= width
        assert "? " in text and "q " in text
        assert text.endswith(("q quit", "q Quit"))


def test_at_80_columns_the_session_keys_are_on_the_bar() -> None:
    text = shown(78)
    for hint in ("a all", "f failed", "w watch", "F fix", "K known", "n note", "E export"):
        assert hint in text
    assert "x cancel" not in text  # cancel only while a run goes
    assert "x cancel" in shown(78, running=True)


def test_a_wide_bar_names_every_key_in_words() -> None:
    text = shown(158)
    for hint in ("a Run all", "/ -k filter", "K Known issue", "1-3 Tabs", "e Edit", "q Quit"):
        assert hint in text


def test_the_watch_key_says_what_it_will_do() -> None:
    assert "w Watch" in shown(158) and "w Stop watching" in shown(158, watching=True)
    assert "w unwatch" in shown(78, watching=True)


def test_a_tiny_bar_keeps_help_and_quit() -> None:
    hints, _ = fit_hints(bar_hints(running=False, watching=False), 14)
    assert [hint.key for hint in hints] == ["?", "q"]
    assert len(shown(5)) <= 5
