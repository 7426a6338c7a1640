"""URLs of the blog's pages, all built from the slug helper."""

from app.text import join_words


def post_url(title: str) -> str:
    return f"/posts/{join_words(title.split())}"


def tag_url(tag: str) -> str:
    return f"/tags/{join_words(tag.split())}"


def author_url(first: str, last: str) -> str:
    return f"/authors/{join_words([first, last])}"


def feed_url(section: str) -> str:
    return f"/feeds/{join_words(section.split())}.xml"


def archive_url(year: int, title: str) -> str:
    return f"/{year}/{join_words(title.split())}"
