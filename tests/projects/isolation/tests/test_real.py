"""A real failure: it fails however it is run."""


def test_vat_is_added():
    assert round(100 * 1.2) == 121
