from app import util


def test_double():
    assert util.double(2) == 4
