def test_four(four):
    assert four == 4
