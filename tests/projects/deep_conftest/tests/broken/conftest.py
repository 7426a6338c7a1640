"""Fixtures of the broken folder: its import names something json never had."""

from json import load_everything  # noqa: F401
