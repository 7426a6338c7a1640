from pkg import Formatter


def test_usage(shared: int) -> None:
    assert Formatter().write_usage() == "usage"


def test_help() -> None:
    assert Formatter().write_help() == ["a", "b"]
