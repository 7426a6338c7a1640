"""One test per pytest outcome."""

import warnings

import pytest


def test_pass():
    assert 1 == 1


def test_fail():
    assert 1 == 2


def test_setup_error(broken_setup):
    assert True


def test_teardown_error(broken_teardown):
    assert True


def test_skip():
    pytest.skip("not today")


@pytest.mark.xfail(reason="known to fail")
def test_xfail():
    assert 1 == 2


@pytest.mark.xfail(reason="expected to fail, but passes", strict=False)
def test_xpass():
    assert True


@pytest.mark.xfail(reason="expected to fail, and strict", strict=True)
def test_xpass_strict():
    assert True


def test_warns():
    warnings.warn("careful", UserWarning)
    assert True


@pytest.mark.parametrize("value", [1, 2, 3])
def test_param(value):
    assert value in (1, 2, 3)
