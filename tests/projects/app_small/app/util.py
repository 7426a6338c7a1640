def word_count(text: str) -> int:
    return len(text.split())


def excerpt(text: str, words: int = 5) -> str:
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]) + " ..."
