"""Hint rules on failure messages as cockpit records them, each naming its evidence.

The messages are copied from real runs (pytest 8.4, SQLAlchemy 2.x) of the failures the
issue lists; each hint must name the class, table, module, fixture, codec or path it saw.
"""

from __future__ import annotations

import pytest

from cockpit.rootcause.clusters import Clusterer
from cockpit.rootcause.hints import RULES, hint_for
from cockpit.rootcause.signature import signature_of

UNIMPORTED = (
    "sqlalchemy.exc.InvalidRequestError: One or more mappers failed to initialize - can't "
    "proceed with initialization of other mappers. Triggering mapper: 'Mapper[Post(posts)]'. "
    "Original exception was: When initializing mapper Mapper[Post(posts)], expression 'Tag' "
    "failed to locate a name ('Tag'). If this is a class name, consider adding this "
    "relationship() to the <class 'app.models.post.Post'> class after both dependent classes "
    "have been defined."
)
DUPLICATE_TABLE = (
    "sqlalchemy.exc.InvalidRequestError: Table 'users' is already defined for this MetaData "
    "instance.  Specify 'extend_existing=True' to redefine options and columns on an existing "
    "Table object."
)
MULTIPLE_CLASSES = (
    "sqlalchemy.exc.InvalidRequestError: When initializing mapper Mapper[Order(orders)], "
    "expression 'Customer' failed to locate a name ('Customer'). ... "
    'Original exception was: Multiple classes found for path "Customer" in the registry of '
    "this declarative base. Please use a fully module-qualified path."
)
SAME_NAME_WARNING = (
    "sqlalchemy.exc.SAWarning: This declarative base already contains a class with the same "
    "class name and module name as app.admin.user.AdminUser, and will be replaced in the "
    "string-lookup table."
)
PRIMARY_MAPPER = (
    "sqlalchemy.exc.ArgumentError: Class '<class 'app.models.user.User'>' already has a "
    "primary mapper defined."
)
MISSING_MODULE = "ModuleNotFoundError: No module named 'stripe'"
CANNOT_IMPORT = (
    "ImportError: cannot import name 'Invoice' from 'shop.models' "
    "(/srv/shop/shop/models/__init__.py)"
)
CIRCULAR = (
    "ImportError: cannot import name 'Order' from partially initialized module "
    "'shop.models.order' (most likely due to a circular import) "
    "(/srv/shop/shop/models/order.py)"
)
FIXTURE = "fixture 'db_session' not found"
ASYNC_FIXTURE = (
    "pytest.PytestRemovedIn9Warning: 'test_uses_async_fixture' requested an async fixture "
    "'async_db', with no plugin or hook that handled it. This is usually an error, as pytest "
    "does not natively support it. This will turn into an error in pytest 9.\n"
    "See: https://docs.pytest.org/en/stable/deprecations.html"
)
NEVER_AWAITED = "RuntimeWarning: coroutine 'make_session' was never awaited"
ASYNC_TEST = (
    "Failed: async def functions are not natively supported.\nYou need to install a "
    "suitable plugin for your async framework, for example:\n  - anyio\n  - pytest-asyncio"
)
MISSING_GREENLET = (
    "sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; can't call "
    "await_only() here. Was IO attempted in an unexpected place? (Background on this error "
    "at: https://sqlalche.me/e/20/xd2s)"
)
NO_GREENLET = (
    "ImportError: The SQLAlchemy asyncio module requires that the Python 'greenlet' library "
    "is installed.  In order to ensure this dependency is available, use the "
    "'sqlalchemy[asyncio]' install target:  'pip install sqlalchemy[asyncio]'"
)
CHARMAP = (
    "UnicodeDecodeError: 'charmap' codec can't decode byte 0x9d in position 6: "
    "character maps to <undefined>"
)
WINDOWS_PATH = (
    "FileNotFoundError: [Errno 2] No such file or directory: 'C:\\\\Users\\\\ci\\\\data.json'"
)
WINERROR = "FileNotFoundError: [WinError 2] The system cannot find the file specified"
NOT_A_COMMAND = (
    "AssertionError: 'make' is not recognized as an internal or external command,\n"
    "operable program or batch file."
)


def hint(message: str) -> tuple[str, str]:
    """The hint a cluster of this recorded crash message shows."""
    signature = signature_of(message)
    found = hint_for(signature.exception, signature.raw_message)
    assert found is not None, f"no hint for {message!r}"
    return found


@pytest.mark.parametrize(
    ("message", "rule", "evidence"),
    [
        (UNIMPORTED, "sqlalchemy-unimported-class", ["Tag", "app.models.post.Post"]),
        (DUPLICATE_TABLE, "sqlalchemy-duplicate-table", ["users"]),
        (MULTIPLE_CLASSES, "sqlalchemy-duplicate-class", ["Customer"]),
        (SAME_NAME_WARNING, "sqlalchemy-duplicate-class", ["app.admin.user.AdminUser"]),
        (MISSING_MODULE, "missing-module", ["stripe"]),
        (CANNOT_IMPORT, "missing-module", ["Invoice", "shop.models"]),
        (CIRCULAR, "missing-module", ["Order", "shop.models.order", "circular import"]),
        (FIXTURE, "fixture-not-found", ["db_session"]),
        (ASYNC_FIXTURE, "async-fixture", ["async_db"]),
        (NEVER_AWAITED, "async-fixture", ["make_session"]),
        (ASYNC_TEST, "async-test", ["pytest-asyncio"]),
        (MISSING_GREENLET, "greenlet", ["greenlet_spawn"]),
        (NO_GREENLET, "greenlet", ["sqlalchemy[asyncio]"]),
        (CHARMAP, "windows-only", ["charmap", "utf-8"]),
        (WINDOWS_PATH, "windows-only", ["C:\\\\Users\\\\ci\\\\data.json"]),
        (WINERROR, "windows-only", ["[WinError 2]"]),
        (NOT_A_COMMAND, "windows-only", ["make"]),
    ],
)
def test_each_family_gets_its_hint_with_evidence(
    message: str, rule: str, evidence: list[str]
) -> None:
    name, advice = hint(message)
    assert name == rule
    for item in evidence:
        assert item in advice


def test_primary_mapper_names_the_class() -> None:
    name, advice = hint_for("ArgumentError", PRIMARY_MAPPER.split(": ", 1)[1]) or ("", "")
    assert name == "sqlalchemy-duplicate-class" and "app.models.user.User" in advice


@pytest.mark.parametrize(
    "message",
    [
        "ZeroDivisionError: division by zero",
        "AssertionError: assert 121 == 120",
        "KeyError: 'currency'",
        "ValueError: invalid literal for int() with base 10: 'abc'",
        "FileNotFoundError: [Errno 2] No such file or directory: '/srv/data/x.json'",
        "TypeError: expected str, got 'http://a:\\\\b'",
    ],
)
def test_ordinary_failures_get_no_hint(message: str) -> None:
    signature = signature_of(message)
    assert hint_for(signature.exception, signature.raw_message) is None


def test_every_rule_has_a_name_and_the_table_is_extendable() -> None:
    names = [rule.name for rule in RULES]
    assert {
        "sqlalchemy-unimported-class",
        "sqlalchemy-duplicate-table",
        "sqlalchemy-duplicate-class",
        "missing-module",
        "fixture-not-found",
        "async-fixture",
        "greenlet",
        "windows-only",
    } <= set(names)


def test_a_collection_error_cluster_carries_the_import_hint() -> None:
    clusterer = Clusterer("/srv/shop")
    for module in ("tests/test_billing.py", "tests/test_checkout.py"):
        clusterer.add(
            module,
            module,
            "collection error",
            MISSING_MODULE,
            f"ImportError while importing test module '/srv/shop/{module}'.\n"
            f"Traceback:\n{module}:3: in <module>\n    import stripe\n"
            f"E   {MISSING_MODULE}",
        )
    (cluster,) = clusterer.clusters()
    assert cluster.as_json()["hint_rule"] == "missing-module"
    assert "stripe" in cluster.as_json()["hint"]
