import pytest

from app.models import Post
from app.util import slugify


@pytest.mark.parametrize("number", range(8))
def test_labels_become_tags(number):
    post = Post(title=f"Tagged {number}")
    post.tag_labels.extend([f"tag{index}" for index in range(number % 3 + 1)])
    assert all(tag.post is post for tag in post.tags)


def test_tag_slug():
    post = Post(title="Hello tagged world")
    post.tag_labels.append("greeting")
    assert slugify(post.title) == "hello-tagged-world"


def test_tags_start_empty():
    assert Post(title="Untagged").tags == []
