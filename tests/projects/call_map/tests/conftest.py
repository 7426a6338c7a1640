import pytest

import pkg


@pytest.fixture(scope="session")
def shared() -> int:
    return pkg.session_value()
