"""Names fitted to a column: cut where they mean least (pure)."""

from __future__ import annotations

import pytest

from cockpit.engine.display import shorten_middle, shorten_path, shorten_test_name

PARAMETRISED = "test_customer_is_saved[Ken Thompson-Ken T.]"


def test_a_path_keeps_its_file_name_and_loses_whole_folders() -> None:
    assert shorten_path("tests/test_customers.py", 40) == "tests/test_customers.py"
    assert shorten_path("tests/api/v2/test_customers.py", 28) == "…/api/v2/test_customers.py"
    assert shorten_path("/home/dev/src/shop-backend", 20) == "…/src/shop-backend"
    assert shorten_path("tests/test_customers.py", 22) == "…/test_customers.py"
    assert shorten_path("tests/test_customers.py", 12) == "test_c…rs.py"


@pytest.mark.parametrize("width", range(3, 50))
def test_a_test_name_always_fits(width: int) -> None:
    for name in (PARAMETRISED, "TestModel::" + PARAMETRISED, "test_" + "x" * 60, "t[a]"):
        assert len(shorten_test_name(name, width)) <= width


def test_the_parameter_id_loses_its_middle_and_the_name_stays() -> None:
    assert shorten_test_name(PARAMETRISED, 60) == PARAMETRISED
    assert shorten_test_name(PARAMETRISED, 38) == "test_customer_is_saved[Ken Th…-Ken T.]"


def test_classes_go_before_the_function_name_is_cut() -> None:
    name = "TestCustomerModel::" + PARAMETRISED
    assert shorten_test_name(name, 44) == "…::test_customer_is_saved[Ken Tho…on-Ken T.]"


def test_parametrised_rows_stay_apart_when_the_name_must_give_way() -> None:
    """At 80 columns the test column is ~26 wide: the rows must still differ."""
    ada = shorten_test_name("test_customer_is_saved[Ada Lovelace-Ada L.]", 26)
    ken = shorten_test_name(PARAMETRISED, 26)
    assert ada != ken and ada.startswith("test_") and ada.endswith("a L.]")
    assert len(ada) == len(ken) == 26


def test_shorten_middle_keeps_both_ends() -> None:
    assert shorten_middle("abcdefghij", 5) == "ab…ij"
    assert shorten_middle("abcdefghij", 5, tail_share=0.75) == "a…hij"
    assert shorten_middle("abc", 5) == "abc"
