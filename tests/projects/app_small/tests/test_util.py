import pytest

from app.util import excerpt, word_count


@pytest.mark.parametrize(("text", "expected"), [("", 0), ("one", 1), ("two  words\n", 2)])
def test_word_count(text, expected):
    assert word_count(text) == expected


def test_excerpt_keeps_short_text():
    assert excerpt("a short line") == "a short line"


def test_excerpt_cuts_long_text():
    assert excerpt("one two three four five six seven", words=3) == "one two three ..."
