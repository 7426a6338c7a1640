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


def shorten_path(path: str, width: int) -> str:
    """``…/api/v2/test_pricing.py``: a path that loses whole folders from its start and
    keeps as many of the last ones as fit, and always its file name (which names it); a
    file name wider than ``width`` loses its middle."""
    if len(path) <= width:
        return path
    *folders, name = path.split("/")
    if len(name) + 2 > width:
        return shorten_middle(name, width)
    kept = name
    for folder in reversed(folders):
        if len(folder) + 1 + len(kept) + 2 > width:
            break
        kept = f"{folder}/{kept}"
    return f"…/{kept}"


def shorten_middle(text: str, width: int, *, tail_share: float = 0.5) -> str:
    """``test_custo…pper.py``: the start and the end kept, the middle dropped; the end
    gets ``tail_share`` of the room (ids often differ most at their end)."""
    if len(text) <= width:
        return text
    if width < 2:
        return "…"[:width]
    tail = int((width - 1) * tail_share)
    return text[: width - 1 - tail] + "…" + text[len(text) - tail :]


def shorten_test_name(name: str, width: int) -> str:
    """A test's name (``Class::test_x[param-id]``) fitted to ``width``, cut where it means
    least: the middle of the parameter id first (``test_saved[Ada…ce L.]``), then the
    classes before the function (``…::test_saved[…]``). The function's name stays whole
    unless its parameters would keep fewer than ``PARAM_ROOM`` characters: the rows of a
    parametrised test differ only there, so then the name loses its middle."""
    if len(name) <= width:
        return name
    base, params = name, ""
    if name.endswith("]") and "[" in name:
        base, _, params = name[:-1].partition("[")
        params = params.strip() or params
    if "::" in base and len(base) + (2 + PARAM_ROOM if params else 0) > width:
        base = "…::" + base.rpartition("::")[2]
    if not params:
        return base if len(base) <= width else base[: max(0, width - 1)] + "…"
    room = min(len(params), max(PARAM_ROOM, width - len(base) - 2))
    base = shorten_middle(base, max(MIN_NAME, width - room - 2))
    room = width - len(base) - 2
    if room >= 1:
        return f"{base}[{shorten_middle(params, room, tail_share=0.6)}]"
    return shorten_middle(base, width)


PARAM_ROOM = 8
MIN_NAME = 10


def shorten_left(path: str, width: int) -> str:
    """``…t_pricing.py``: a path cut from the left, since its end names the file."""
    return path if len(path) <= width else "…" + path[-(width - 1) :]
