def test_addition():
    assert 1 + 1 == 2


def test_upper():
    assert "abc".upper() == "ABC"


def test_membership():
    assert 3 in {1, 2, 3}
