def test_join():
    assert "-".join(["a", "b"]) == "a-b"


def test_sorted():
    assert sorted([3, 1, 2]) == [1, 2, 3]
