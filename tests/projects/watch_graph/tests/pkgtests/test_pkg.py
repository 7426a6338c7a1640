from .data import VALUE


def test_value():
    assert VALUE == 7
