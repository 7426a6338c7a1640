"""Parametrized ids that look like node id syntax, and the phases pytest can fail in."""

import sys

import pytest


@pytest.mark.parametrize(
    "value",
    ["a.b", "x/y", "k::v", "[1]", "ünï", "with space"],
    ids=lambda value: value,
)
def test_param_ids(value):
    assert value != "k::v"


@pytest.mark.parametrize("left,right", [(1, 1), (2, 3)])
def test_pairs(left, right):
    assert left == right


def test_missing_fixture(no_such_fixture):
    assert no_such_fixture


def test_fails_then_teardown_breaks(broken_teardown):
    assert 0, "the call failed"


def test_passes_then_teardown_breaks(broken_teardown):
    assert True


def test_prints_and_fails():
    print("line on stdout " * 5000)
    print("to stderr", file=sys.stderr)
    raise ValueError("printed a lot, then failed")


class TestPlain:
    def test_in_class(self):
        assert True
