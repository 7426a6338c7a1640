"""Tests whose ids, messages and output carry terminal control characters."""

import sys

import pytest

BLANKING = "\x1b[2J\x1b[31m\x1b[?1049h\x1b]0;pwned\x07\x9b31m"


def test_message_clears_the_screen():
    print(BLANKING + "captured stdout with control characters\r\n\x7f\x08")
    sys.stderr.write(BLANKING + "captured stderr\n")
    assert False, BLANKING + "the screen must stay"


def test_passes_but_prints_control_characters():
    print(BLANKING * 10)


@pytest.mark.parametrize("value", [BLANKING], ids=["id" + BLANKING])
def test_control_characters_in_the_id(value):
    assert value == "", "id with control characters"
