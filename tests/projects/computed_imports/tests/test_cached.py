from app.handlers import b  # imported statically before the registry loads it by name


def test_b_directly():
    assert b.handle() == "b"
