"""Hints that read the project's files and the traceback, and name their evidence."""

from __future__ import annotations

from cockpit.rootcause.clusters import Clusterer
from cockpit.rootcause.evidence import Evidence, EvidenceRequest, evidence_hint
from cockpit.rootcause.signature import signature_of

NAME_ERROR = "NameError: name 'weakref' is not defined"
RAISED_IN_CORE = (
    "tests/conftest.py:3: in <module>\n    from app.core import REGISTRY\n"
    "app/core.py:6: in __init__\n    self.listeners = weakref.WeakSet()\n"
    "E   NameError: name 'weakref' is not defined"
)


def hint(message: str, longrepr: str, sources: dict[str, str], test: str = "t.py::t") -> str:
    signature = signature_of(message, longrepr, "/p")
    found = evidence_hint(signature, test, longrepr, Evidence(sources, sources))
    assert found is not None
    return found[1]


def test_a_name_never_imported_points_at_the_module_and_line() -> None:
    source = "class Registry:\n    def __init__(self):\n        self.x = 1\n\n\n\n"
    advice = hint(NAME_ERROR, RAISED_IN_CORE, {"app/core.py": source})
    assert advice == (
        "app/core.py:6 uses weakref, but app/core.py neither imports nor defines weakref: "
        "add `import weakref` at the top of app/core.py (weakref is a standard-library module)."
    )
    local = "def f():\n    import weakref\n    return weakref\n"
    assert "only inside a function (line 2)" in hint(
        NAME_ERROR, RAISED_IN_CORE, {"app/core.py": local}
    )
    typing_only = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import weakref\n"
    assert "only under `if TYPE_CHECKING:` (line 3)" in hint(
        NAME_ERROR, RAISED_IN_CORE, {"app/core.py": typing_only}
    )
    bound = signature_of(NAME_ERROR, RAISED_IN_CORE, "/p")
    imported = Evidence({"app/core.py": "import weakref\n"})
    assert evidence_hint(bound, "t.py::t", RAISED_IN_CORE, imported) is None


def test_the_cluster_asks_for_the_module_then_hints_with_it() -> None:
    clusterer = Clusterer("/p")
    cluster = clusterer.add("tests/", "tests/", "conftest error", NAME_ERROR, RAISED_IN_CORE)
    assert cluster.evidence_request == EvidenceRequest(sources=("app/core.py",))
    cluster.evidence = Evidence({"app/core.py": "x = 1\n"})
    assert cluster.evidence_request is None
    assert cluster.hint is not None and cluster.hint[0] == "name-not-imported"


CYCLE_A = (
    "tests/test_c.py:1: in <module>\n    from app.customers import Customer\n"
    "app/customers.py:1: in <module>\n    from app.orders import Order\n"
    "app/orders.py:1: in <module>\n    from app.customers import Customer\n"
    "E   ImportError: cannot import name 'Customer' from partially initialized module "
    "'app.customers' (most likely due to a circular import) (/p/app/customers.py)"
)
CYCLE_B = (
    "tests/test_o.py:1: in <module>\n    from app.orders import Order\n"
    "app/orders.py:1: in <module>\n    from app.customers import Customer\n"
    "app/customers.py:1: in <module>\n    from app.orders import Order\n"
    "E   ImportError: cannot import name 'Order' from partially initialized module "
    "'app.orders' (most likely due to a circular import) (/p/app/orders.py)"
)


def test_an_import_cycle_is_one_root_cause_naming_its_modules() -> None:
    message_a = CYCLE_A.splitlines()[-1][4:]
    message_b = CYCLE_B.splitlines()[-1][4:]
    first, second = signature_of(message_a, CYCLE_A, "/p"), signature_of(message_b, CYCLE_B, "/p")
    assert (
        first.key
        == second.key
        == ("ImportError: import cycle between app/customers.py, app/orders.py")
    )
    advice = hint(message_a, CYCLE_A, {})
    assert "Customer is imported from app.customers while app.customers is still" in advice
    assert (
        "app/customers.py:1 `from app.orders import Order` -> "
        "app/orders.py:1 `from app.customers import Customer`"
    ) in advice


CONFTEST = "import pytest\n\n\n@pytest.fixture\ndef api_client():\n    return 1\n"


def test_a_fixture_in_a_conftest_off_the_tests_path_names_it() -> None:
    message = "FixtureLookupError: fixture 'api_client' not found"
    advice = hint(message, "", {"tests/api/conftest.py": CONFTEST}, "tests/web/test_home.py::t")
    assert advice == (
        "api_client is defined in tests/api/conftest.py:5, which is not on the path of "
        "tests/web/test_home.py (a conftest serves the tests in its folder and below): move "
        "it to tests/conftest.py, which both share."
    )
    on_path = signature_of(message)
    evidence = Evidence({}, {"tests/conftest.py": CONFTEST})
    assert evidence_hint(on_path, "tests/web/test_home.py::t", "", evidence) is None
