"""Imports core: its importers reach core transitively."""

from app.core import add


def double(x):
    return add(x, x)
