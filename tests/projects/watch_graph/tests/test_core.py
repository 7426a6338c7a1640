from helpers import three


def test_three():
    assert three() == 3
