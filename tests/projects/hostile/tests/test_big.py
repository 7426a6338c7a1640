"""A failure whose message is 5 MB, and a test whose node id is 2,000 characters long."""

import pytest

LONG_ID = "p" * (2000 - len("tests/test_big.py::test_long_id[]"))


def test_five_megabyte_message():
    raise ValueError("m" * (5 * 1024 * 1024))


@pytest.mark.parametrize("value", [1], ids=[LONG_ID])
def test_long_id(value):
    assert value == 2
