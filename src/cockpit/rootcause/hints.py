"""A small, extendable table of rules that recognise common failure families. Pure.

Each rule looks at a cluster's root exception and original message and, when it matches,
says what to check, naming the evidence (the class, the module) it found in the text.
Add a rule by appending a :class:`HintRule` to :data:`RULES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HintRule:
    name: str
    exceptions: tuple[str, ...]
    """Exception class names (last dotted part) the rule applies to; empty: any."""
    pattern: re.Pattern[str]
    advice: Callable[[re.Match[str]], str]


def _rule(
    name: str, exceptions: tuple[str, ...], pattern: str, advice: Callable[[re.Match[str]], str]
) -> HintRule:
    return HintRule(name, exceptions, re.compile(pattern, re.DOTALL), advice)


RULES: list[HintRule] = [
    _rule(
        "sqlalchemy-unimported-class",
        ("InvalidRequestError", "NoForeignKeysError", "ArgumentError"),
        r"expression '(?P<name>[\w.]+)' failed to locate a name.*?<class '(?P<owner>[\w.]+)'>",
        lambda m: (
            f"SQLAlchemy cannot find the class {m['name']} named in a relationship() of "
            f"{m['owner']}: the module defining {m['name']} is never imported before the "
            "mappers configure. Import it where the models are collected "
            "(e.g. the models package's __init__)."
        ),
    ),
    _rule(
        "sqlalchemy-unimported-class",
        ("InvalidRequestError",),
        r"expression '(?P<name>[\w.]+)' failed to locate a name",
        lambda m: (
            f"SQLAlchemy cannot find the class {m['name']} named in a relationship(): the "
            f"module defining {m['name']} is never imported before the mappers configure."
        ),
    ),
    _rule(
        "sqlalchemy-missing-property",
        ("InvalidRequestError",),
        r"Mapper '?Mapper\[(?P<mapper>[\w.]+)\(\w+\)\]'? has no property '(?P<prop>\w+)'",
        lambda m: (
            f"The mapper of {m['mapper']} has no property {m['prop']}: a back_populates or "
            "backref points at it, usually from a model whose module was never imported."
        ),
    ),
    _rule(
        "sqlalchemy-duplicate-table",
        ("InvalidRequestError", "ArgumentError"),
        r"Table '(?P<table>[\w.]+)' is already defined for this MetaData",
        lambda m: (
            f"Two classes map the table {m['table']}: look for a duplicated model (two "
            "modules defining it, or one module imported under two names)."
        ),
    ),
    _rule(
        "sqlalchemy-duplicate-class",
        (),
        r"Multiple classes found for path \"(?P<name>[\w.]+)\"|"
        r"class named '(?P<name2>\w+)' .* already in the registry|"
        r"does not reference mapper Mapper\[(?P<name3>\w+)",
        lambda m: (
            f"The registry holds more than one class named "
            f"{m['name'] or m['name2'] or m['name3']}: keep one canonical model and "
            "re-export it from the other module."
        ),
    ),
    _rule(
        "missing-module",
        ("ModuleNotFoundError", "ImportError"),
        r"No module named '(?P<module>[\w.]+)'|cannot import name '(?P<name>\w+)'",
        lambda m: (
            f"The module {m['module']} cannot be imported: a missing dependency or a "
            "wrong import path."
            if m["module"]
            else f"{m['name']} cannot be imported from its module: renamed, moved, or a "
            "circular import."
        ),
    ),
    _rule(
        "fixture-not-found",
        (),
        r"fixture '(?P<fixture>\w+)' not found",
        lambda m: (
            f"No fixture {m['fixture']} is visible here: define it in a conftest.py above "
            "these tests or install the plugin that provides it."
        ),
    ),
    _rule(
        "async-fixture",
        (),
        r"(greenlet_spawn has not been called|coroutine '[\w.]+' was never awaited|"
        r"async def functions are not natively supported|MissingGreenlet)",
        lambda m: (
            "An async fixture or test runs without an async plugin mode to drive it "
            "(pytest-asyncio's mode, or SQLAlchemy's async session used from sync code)."
        ),
    ),
    _rule(
        "windows-only",
        (),
        r"(UnicodeDecodeError: 'charmap'|'cp1252' codec|WinError|"
        r"[A-Za-z]:\\\\[\w\\\\]+|'make' is not recognized)",
        lambda m: (
            "A platform-specific path or encoding: open files with encoding='utf-8' and "
            "build paths with pathlib, or skip the test on platforms that lack the tool."
        ),
    ),
]


def hint_for(exception: str, message: str) -> tuple[str, str] | None:
    """(rule name, advice) of the first rule matching the root exception and message."""
    short = exception.rsplit(".", 1)[-1]
    text = f"{short}: {message}"
    for rule in RULES:
        if rule.exceptions and short not in rule.exceptions:
            continue
        match = rule.pattern.search(text)
        if match:
            return rule.name, rule.advice(match)
    return None
