"""Innocent tests that run before the polluter: bisection must rule them out."""


def test_alpha_one():
    assert "a".upper() == "A"


def test_alpha_two():
    assert sorted([2, 1]) == [1, 2]


def test_alpha_three():
    assert len("abc") == 3
