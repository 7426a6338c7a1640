from app.b import X


def test_b(value):
    assert X + value == 5
