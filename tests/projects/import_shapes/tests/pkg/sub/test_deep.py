"""A test module inside nested packages, with classes in classes."""

import pytest


def test_top():
    assert True


class TestOuter:
    def test_method(self):
        assert True

    def test_method_fails(self):
        assert [1, 2] == [1, 3]

    class TestInner:
        def test_nested(self):
            assert True

        @pytest.mark.parametrize("n", [1, 2])
        def test_nested_param(self, n):
            assert n < 2
