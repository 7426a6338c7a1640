def word_count(text: str) -> int:
    return len(text.split())


def slugify(title: str) -> str:
    words = [word for word in title.lower().split() if word.isalnum()]
    return "_".join(words)
