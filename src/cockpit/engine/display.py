"""How text from the child is fitted to a column: shared by both fronts' tables. Pure."""

from __future__ import annotations


def shorten_left(path: str, width: int) -> str:
    """``…t_pricing.py``: a path cut from the left, since its end names the file."""
    return path if len(path) <= width else "…" + path[-(width - 1) :]
