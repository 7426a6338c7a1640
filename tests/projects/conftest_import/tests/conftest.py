import pytest

from app.core import REGISTRY


@pytest.fixture
def registry():
    return REGISTRY
