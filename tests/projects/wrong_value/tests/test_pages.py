import pytest

from app.text import word_count
from app.urls import post_url, tag_url


def test_links_on_the_front_page():
    links = [post_url("First Post"), post_url("Second Post")]
    assert links == ["/posts/first-post", "/posts/second-post"]


def test_tag_cloud():
    cloud = {tag_url(tag) for tag in ("Web Dev", "Data Science")}
    assert "/tags/web-dev" in cloud


def test_word_count():
    assert word_count("one two three") == 3


@pytest.mark.parametrize("title", ["Big News", "Small Change", "Other Thing"])
def test_slugs_are_lowercase_words(title):
    assert post_url(title).count("-") == 1
