def test_never_collected():
    values = [1, 2, 3]
    if len(values) > 2
        assert True
