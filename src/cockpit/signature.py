"""Error signatures: what stays the same when the same bug fails different tests.

A signature is the exception type and first message line with volatile parts
normalised (addresses, numbers, uuids, temp paths, quoted values), so that parametrized
variants of one failure compare equal and a test that now fails for another reason does
not. Pure; used by the session log to tell "still failing, differently".
"""

from __future__ import annotations

import re

_VOLATILE = (
    (re.compile(r"0x[0-9a-fA-F]+"), "0x?"),
    (
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
        "<uuid>",
    ),
    (re.compile(r"(/tmp|/var/folders|/private/var)/[^\s'\":]+"), "<tmp>"),
    (re.compile(r"pytest-of-[^\s/]+/pytest-\d+/[^\s'\":]+"), "<tmp>"),
    (re.compile(r"'[^'\n]{0,200}'"), "'?'"),
    (re.compile(r'"[^"\n]{0,200}"'), '"?"'),
    (re.compile(r"\b\d+(\.\d+)?\b"), "N"),
)


def normalise(message: str) -> str:
    """The first meaningful line of ``message`` with its volatile parts replaced."""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    for pattern, replacement in _VOLATILE:
        first = pattern.sub(replacement, first)
    return first[:500]


def error_signature(message: str) -> str:
    """``ExceptionType: normalised message``; the type alone is kept when there is no text."""
    return normalise(message)
