"""How text from the child is shown: made safe for a terminal, fitted to a column. Pure.

Everything the child sends (node ids, messages, tracebacks, captured output) is a test's
to choose, and a terminal obeys the control characters in it: ``ESC[2J`` clears the
screen, ``ESC]0;...`` retitles the window, a C1 ``CSI`` (``\\x9b``) does what ``ESC[``
does. :func:`visible` is the one place that turns them into characters that only show:
every front (the app, the headless view, the session-log commands) passes child text
through it before drawing it. ``--json`` keeps the exact data.
"""

from __future__ import annotations

import re

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 controls but tab and newline, DEL, and the C1 controls."""


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ ␇ ␍ ...
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}"  # C1 has no pictures: its escape, as Python writes it


def visible(text: str) -> str:
    """``text`` with C0/C1 control characters and DEL shown as pictures (``␛[2J``), tabs
    and newlines kept (``\\r\\n`` is a newline), so it cannot move the cursor, clear the
    screen or change the terminal."""
    if CONTROL_CHARACTERS.search(text) is None:
        return text
    return CONTROL_CHARACTERS.sub(_picture, text.replace("\r\n", "\n"))


def shorten_left(path: str, width: int) -> str:
    """``…t_pricing.py``: a path cut from the left, since its end names the file."""
    return path if len(path) <= width else "…" + path[-(width - 1) :]
