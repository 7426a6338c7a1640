from app.registry import handler, legacy


def test_a_by_name():
    assert handler("a")() == "a"


def test_b_by_name():
    assert handler("b")() == "b"


def test_c_by_legacy_name():
    assert legacy("c")() == "c"
