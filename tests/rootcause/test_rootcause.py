"""Root-cause signatures, clusters and hints, on failure texts as pytest reports them."""

from __future__ import annotations

from cockpit.rootcause.clusters import Clusterer
from cockpit.rootcause.hints import hint_for
from cockpit.rootcause.signature import (
    error_signature,
    normalise,
    project_location,
    signature_of,
)

SITE = "/venv/lib/python3.11/site-packages/sqlalchemy/orm/mapper.py"
FIRST_HIT = (
    "sqlalchemy.exc.InvalidRequestError: When initializing mapper Mapper[Order(orders)], "
    "expression 'Invoice' failed to locate a name ('Invoice'). If this is a class name, "
    "consider adding this relationship() to the <class 'shop.models.order.Order'> class"
)
WRAPPED = (
    "sqlalchemy.exc.InvalidRequestError: One or more mappers failed to initialize - can't "
    "proceed with initialization of other mappers. Triggering mapper: "
    "'Mapper[Customer(customers)]'. Original exception was: When initializing mapper "
    "Mapper[Order(orders)], expression 'Invoice' failed to locate a name ('Invoice'). If this "
    "is a class name, consider adding this relationship() to the "
    "<class 'shop.models.order.Order'> class"
)


def native_tb(*frames: tuple[str, int], exception: str) -> str:
    lines = ["Traceback (most recent call last):"]
    for path, line in frames:
        lines.append(f'  File "{path}", line {line}, in f')
    return "\n".join([*lines, exception])


def chain(cause: str, final: str) -> str:
    joint = "The above exception was the direct cause of the following exception:"
    return f"{cause}\n\n{joint}\n\n{final}"


def test_wrapped_mapper_errors_group_with_the_original() -> None:
    first = signature_of(
        FIRST_HIT,
        chain(
            native_tb((SITE, 10), exception="KeyError: 'Invoice'"),
            native_tb(("/p/tests/test_orders.py", 5), (SITE, 20), exception=FIRST_HIT),
        ),
        "/p",
    )
    wrapped = signature_of(
        WRAPPED,
        native_tb(
            ("/p/tests/conftest.py", 8), ("/p/shop/db.py", 16), (SITE, 30), exception=WRAPPED
        ),
        "/p",
    )
    assert first.key == wrapped.key
    assert first.exception == "sqlalchemy.exc.InvalidRequestError"
    assert wrapped.location == "shop/db.py:16"  # the likely fix location, not keyed


def test_a_project_wrapper_resolves_to_its_cause() -> None:
    text = chain(
        native_tb(("/p/app/db.py", 3), exception="ConnectionError: refused"),
        native_tb(("/p/app/service.py", 9), exception="app.ServiceError: lookup failed"),
    )
    signature = signature_of("app.ServiceError: lookup failed", text, "/p")
    assert signature.exception == "ConnectionError"
    assert signature.location == "app/db.py:3"


def test_parametrized_variants_that_differ_only_in_values_cluster() -> None:
    clusterer = Clusterer("/p")
    for value in (3, 17, 4096):
        clusterer.add(
            f"tests/test_a.py::test_x[{value}]",
            "tests/test_a.py",
            "failed",
            f"ValueError: invalid literal {value} at 0x7f{value:x} in /tmp/x{value}/y",
            native_tb(("/p/app/parse.py", 12), exception=f"ValueError: invalid literal {value}"),
        )
    for expected in ("abc-1", "xyz 2"):
        clusterer.add(
            f"tests/test_b.py::test_y[{expected}]",
            "tests/test_b.py",
            "failed",
            f"AssertionError: assert 'got' == '{expected}'",
            native_tb(("/p/tests/test_b.py", 7), exception="AssertionError"),
        )
    clusters = clusterer.clusters()
    assert [c.count for c in clusters] == [3, 2]
    assert clusters[0].location == "app/parse.py:12"


def test_different_types_or_project_frames_do_not_cluster() -> None:
    clusterer = Clusterer("/p")
    clusterer.add(
        "t.py::a",
        "t.py",
        "failed",
        "KeyError: 'id'",
        native_tb(("/p/app/a.py", 1), exception="KeyError: 'id'"),
    )
    clusterer.add(
        "t.py::b",
        "t.py",
        "failed",
        "KeyError: 'id'",
        native_tb(("/p/app/b.py", 9), exception="KeyError: 'id'"),
    )
    clusterer.add(
        "t.py::c",
        "t.py",
        "failed",
        "IndexError: 'id'",
        native_tb(("/p/app/a.py", 1), exception="IndexError: 'id'"),
    )
    clusterer.add(
        "t.py::d",
        "t.py",
        "failed",
        "AssertionError: assert 1 == 2",
        native_tb(("/p/t.py", 4), exception="AssertionError"),
    )
    clusterer.add(
        "t.py::e",
        "t.py",
        "failed",
        "AssertionError: assert 1 == 2",
        native_tb(("/p/t.py", 5), exception="AssertionError"),
    )
    assert [c.count for c in clusterer.clusters()] == [1, 1, 1, 1, 1]


def test_collection_errors_cluster_and_keep_their_outcome() -> None:
    clusterer = Clusterer("/p")
    for module in ("tests/test_a.py", "tests/test_b.py"):
        clusterer.add(
            module,
            module,
            "collection error",
            "ModuleNotFoundError: No module named 'stripe'",
            native_tb(
                (f"/p/{module}", 1), exception="ModuleNotFoundError: No module named 'stripe'"
            ),
        )
    (cluster,) = clusterer.clusters()
    data = cluster.as_json()
    assert data["outcomes"] == {"collection error": 2}
    assert data["modules"] == ["tests/test_a.py", "tests/test_b.py"]
    assert "stripe" in data["hint"]


def test_hints_name_their_evidence() -> None:
    hint = hint_for("sqlalchemy.exc.InvalidRequestError", signature_of(WRAPPED).raw_message)
    assert hint is not None and hint[0] == "sqlalchemy-unimported-class"
    assert "Invoice" in hint[1] and "shop.models.order.Order" in hint[1]
    duplicate = hint_for(
        "sqlalchemy.exc.InvalidRequestError",
        "Table 'users' is already defined for this MetaData instance.",
    )
    assert duplicate is not None and "users" in duplicate[1]
    registry = hint_for(
        "sqlalchemy.exc.ArgumentError",
        "reverse_property 'user' on relationship User.preferences references relationship "
        "UserPreferences.user, which does not reference mapper Mapper[User(users)]",
    )
    assert registry is not None and "User" in registry[1]
    fixture = hint_for("Failed", "fixture 'db_session' not found")
    assert fixture is not None and "db_session" in fixture[1]
    missing_property = hint_for(
        "InvalidRequestError",
        "Mapper 'Mapper[GeneratedDocument(generated_documents)]' has no property 'export_jobs'",
    )
    assert missing_property is not None and "export_jobs" in missing_property[1]
    greenlet = hint_for("MissingGreenlet", "greenlet_spawn has not been called")
    assert greenlet is not None
    assert hint_for("ZeroDivisionError", "division by zero") is None


def test_normalise_keeps_names_and_drops_values() -> None:
    assert normalise("KeyError: 'Invoice'") == "KeyError: 'Invoice'"
    assert normalise("bad value 'a b c' at 0xdeadbeef, id 42") == "bad value '?' at 0x?, id N"
    assert normalise("uuid 123e4567-e89b-12d3-a456-426614174000 gone") == "uuid <uuid> gone"
    assert normalise("fixture 'tenant_963' not found") == "fixture 'tenant_N' not found"
    assert error_signature(WRAPPED) == error_signature(FIRST_HIT)
    assert signature_of("Failed: fixture 'x' not found").exception == "Failed"
    assert signature_of("assert 4 == 3").exception == "AssertionError"


def test_generated_code_is_never_the_fix_location() -> None:
    longrepr = (
        'File "/proj/tests/test_posts.py", line 9, in test_post\n'
        "    post = Post(title='x')\n"
        'File "<sqlalchemy generated __init__ for class app.models.post.Post>", line 4, '
        "in __init__\n"
    )
    assert project_location(longrepr, "/proj") == ("tests/test_posts.py:9", False)


def test_lists_of_names_are_one_family_like_numbers() -> None:
    many = "attr.exceptions.UnannotatedAttributeError: Unannotated attributes: b, b_t, b_f."
    one = "attr.exceptions.UnannotatedAttributeError: Unannotated attributes: z."
    assert signature_of(many).key == signature_of(one).key
    assert normalise("lack a type annotation: b, b_t, b_f.") == "lack a type annotation: <names>."
    assert normalise("keys 'a', 'b' and 'c' are unknown") == "keys <names> are unknown"
    assert normalise("missing 2 required positional arguments: 'a' and 'b'") == (
        "missing N required positional arguments: <names>"
    )


def test_a_single_named_class_or_module_is_kept() -> None:
    assert normalise("No module named 'foo'") != normalise("No module named 'bar'")
    assert normalise("Could not find module: app.models") != normalise(
        "Could not find module: app.views"
    )
    assert normalise("KeyError: 'Invoice'") == "KeyError: 'Invoice'"
    assert normalise("expected str, got int") == "expected str, got int"
    assert signature_of("NameError: name 'a' is not defined").key != (
        signature_of("NameError: name 'b' is not defined").key
    )


def test_digits_that_number_a_name_are_normalised_not_those_inside_one() -> None:
    assert normalise("name 'base64' is not defined") == "name 'base64' is not defined"
    assert normalise("fixture 'tenant_963' not found") == "fixture 'tenant_N' not found"
