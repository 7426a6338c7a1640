def double(value: int) -> int:
    return value + value
