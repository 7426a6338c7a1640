from app.plain import VALUE


def test_plain():
    assert VALUE == 1
