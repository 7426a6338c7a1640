"""A pytest plugin of the project's own; a refactor left a name behind."""

TIMEOUT = DEFAULT_TIMEOUT * 2


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a slow test")
