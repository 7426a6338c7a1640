import pytest


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown broke")
