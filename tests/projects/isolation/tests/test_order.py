"""An order-dependent pair: test_switches_currency leaves global state behind."""

from app.settings import SETTINGS


def test_innocent_before():
    assert SETTINGS["currency"] in ("EUR", "USD")


def test_switches_currency():
    SETTINGS["currency"] = "USD"  # never restored: the polluter
    assert SETTINGS["currency"] == "USD"


def test_innocent_between():
    assert 2 * 2 == 4


def test_prices_in_euros():
    assert SETTINGS["currency"] == "EUR"
