import pkg


def test_value() -> None:
    assert pkg.VALUE == 2


def test_shared(shared: int) -> None:
    assert shared == 5
