"""Text helpers the rest of the app builds on."""


def join_words(words: list[str]) -> str:
    """The words of a title joined for a URL."""
    return "-".join(word.lower() for word in words)


def word_count(text: str) -> int:
    return len(text.split())
