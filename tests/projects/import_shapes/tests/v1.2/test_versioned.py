"""A test folder whose name holds a dot (not a package)."""


def test_in_dotted_folder():
    assert "v1.2".startswith("v")
