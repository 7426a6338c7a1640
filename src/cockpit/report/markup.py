"""Markdown that stays valid whatever the text holds. Pure.

Test ids, messages and titles come from users' suites: they may hold ``|``, backticks,
``<html>``, newlines, ANSI colour codes, emoji or 300-character ids. Every piece of such
text goes through :func:`text` (escaped prose) or :func:`code` (a code span) before it is
placed in the document, and table rows are built only by :func:`table`, so one test id can
never break a table or inject markup. Emoji and other non-ASCII text are kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|#~&!])")
_BACKTICKS = re.compile(r"`+")


def clean(value: str) -> str:
    """``value`` without ANSI escape codes and other control characters, on one line."""
    value = _ANSI.sub("", value)
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _SPACE.sub(" ", value).strip()


def text(value: str) -> str:
    """Prose: every character Markdown could read as markup is backslash-escaped."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", clean(value))


def code(value: str, *, in_table: bool = False) -> str:
    """A code span holding ``value`` literally (identifiers, signatures, expressions).

    The fence is one backtick longer than the longest run inside. Inside a table cell a
    ``|`` must be escaped even in a code span (GFM splits cells first), and a backslash
    would then escape the wrong character, so such text falls back to escaped prose.
    """
    value = clean(value)
    if not value:
        return "-"
    if in_table and "|" in value:
        if "\\" in value:
            return text(value)
        value = value.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(value)), default=0)
    fence = "`" * (longest + 1)
    if value.startswith("`") or value.endswith("`"):
        value = f" {value} "
    return f"{fence}{value}{fence}"


def cell(value: str) -> str:
    """A table cell of identifiers: a code span that is safe inside a table."""
    return code(value, in_table=True)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GFM table. Cells must come from :func:`text`, :func:`cell` or plain figures."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a row of {len(row)} cells under {len(header)} headers")
        lines.append("| " + " | ".join(value or "-" for value in row) + " |")
    return lines


def fenced(value: str) -> list[str]:
    """A fenced code block holding ``value`` line by line (tracebacks): ANSI codes and
    control characters removed, the fence longer than any backtick run inside."""
    lines = [_CONTROL.sub("", _ANSI.sub("", line)).rstrip() for line in value.splitlines()]
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *lines, fence]
