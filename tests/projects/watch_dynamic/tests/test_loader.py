from app.loader import load


def test_load():
    assert load("a").X == 1
