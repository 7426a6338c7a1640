import pytest

from app.util import double


@pytest.fixture
def four():
    return double(2)
