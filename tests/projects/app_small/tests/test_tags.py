import pytest
from sqlalchemy import select

from app.models import Post


def labels_for(number):
    return [f"tag{index}" for index in range(number % 4 + 1)]


@pytest.mark.parametrize("number", range(4))
def test_labels_become_tags(number):
    post = Post(title=f"Tagged {number}")
    post.tag_labels.extend(labels_for(number))
    assert [tag.label for tag in post.tags] == labels_for(number)
    assert all(tag.post is post for tag in post.tags)


@pytest.mark.parametrize("number", range(4))
def test_tags_are_saved_with_their_post(session, number):
    post = Post(title=f"Tagged {number}")
    post.tag_labels.extend(labels_for(number))
    session.add(post)
    session.commit()
    session.expire_all()
    stored = session.scalars(select(Post).where(Post.tags.any(label="tag0"))).one()
    assert list(stored.tag_labels) == labels_for(number)
