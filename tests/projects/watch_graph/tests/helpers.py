"""Rootdir-relative helper of a test folder that is not a package."""

from app.core import add


def three():
    return add(1, 2)
