class Formatter:
    def write_usage(self) -> str:
        return "usage"

    def write_help(self) -> list[str]:
        return [line for line in ("a", "b")]
