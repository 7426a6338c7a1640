def helper(x: int) -> int:
    return x + 1


def session_value() -> int:
    return 5
