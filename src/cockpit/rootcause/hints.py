"""A small, extendable table of rules that recognise common failure families. Pure.

Each rule looks at a cluster's root exception and original message and, when it matches,
says what to check, naming the evidence (the class, table, module, fixture, codec or
path) it found in the text. The families are the issue's: an SQLAlchemy class named in a
``relationship()`` but never imported, two classes on one table or one registry name, a
module that cannot be imported (at collection or later), a fixture not found, async
fixture / async test / greenlet misuse, and Windows-only paths, codecs and tools.
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
        r"already contains a class with the same class name and module name as "
        r"(?P<name2>[\w.]+)|"
        r"Class '(?:<class ')?(?P<name3>[\w.]+)(?:'>)?' already has a primary mapper|"
        r"does not reference mapper Mapper\[(?P<name4>\w+)",
        lambda m: (
            f"The registry holds more than one class named "
            f"{m['name'] or m['name2'] or m['name3'] or m['name4']}: keep one canonical "
            "model and re-export it from the other module (or name the class by its full "
            "module path in relationship())."
        ),
    ),
    _rule(
        "missing-module",
        ("ModuleNotFoundError", "ImportError"),
        r"No module named '(?P<module>[\w.]+)'|"
        r"cannot import name '(?P<name>\w+)' from (?:partially initialized module )?"
        r"'(?P<source>[\w.]+)'(?P<circular>.*circular import)?",
        lambda m: (
            f"The module {m['module']} cannot be imported: a missing dependency (install "
            "it in the test environment) or a wrong import path."
            if m["module"]
            else f"{m['name']} cannot be imported from {m['source']}: "
            + (
                "a circular import; move the import into the function that needs it or "
                "break the cycle."
                if m["circular"]
                else "renamed, moved, or a circular import."
            )
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
        r"requested an async fixture '(?P<fixture>\w+)'|"
        r"coroutine '(?P<coroutine>[\w.]+)' was never awaited",
        lambda m: (
            f"The async fixture {m['fixture'] or m['coroutine']} is used by a sync test or "
            "without an async plugin to await it: install pytest-asyncio (or anyio) and "
            "mark the test async, or make the fixture sync."
        ),
    ),
    _rule(
        "async-test",
        (),
        r"async def functions are not natively supported",
        lambda m: (
            "An async test runs without an async plugin: install pytest-asyncio (with "
            "asyncio_mode = auto, or @pytest.mark.asyncio) or use anyio's pytest plugin."
        ),
    ),
    _rule(
        "greenlet",
        (),
        r"(?P<spawn>greenlet_spawn has not been called|MissingGreenlet)|"
        r"requires that the Python '(?P<library>greenlet)' library is installed",
        lambda m: (
            "SQLAlchemy's asyncio extension needs the greenlet library: install "
            "sqlalchemy[asyncio] in the test environment."
            if m["library"]
            else "greenlet_spawn was not called: an async SQLAlchemy session or engine did "
            "IO from sync code (a lazy load after await, or a sync fixture driving it). "
            "Use selectinload()/await session.refresh(), or run it inside run_sync()."
        ),
    ),
    _rule(
        "windows-only",
        (),
        r"'(?P<codec>charmap|cp125\d|mbcs)' codec|"
        r"(?P<winerror>\[WinError \d+\][^\n]*)|"
        r"(?<![\w:/])(?P<path>[A-Za-z]:\\{1,2}[^\s'\"]+)|"
        r"'(?P<tool>[\w.-]+)' is not recognized as an internal or external command",
        lambda m: (
            f"The {m['codec']} codec is Windows' default: open files with "
            "encoding='utf-8' (or set PYTHONUTF8=1)."
            if m["codec"]
            else f"A Windows path {m['path']}: build paths with pathlib from the project "
            "folder instead of hard-coding a drive."
            if m["path"]
            else f"{m['tool']} exists only on some platforms: skip the test where it is "
            "missing or call it through Python."
            if m["tool"]
            else f"A Windows-only error ({m['winerror']}): guard the code or the test "
            "with sys.platform."
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
