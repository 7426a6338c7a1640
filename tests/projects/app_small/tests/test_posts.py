import pytest
from sqlalchemy import select

from app.models import Post


@pytest.mark.parametrize("number", range(6))
def test_post_keeps_its_title(number):
    post = Post(title=f"Post {number}", body="text " * number)
    assert post.title == f"Post {number}"
    assert post.tags == []


@pytest.mark.parametrize("number", range(6))
def test_post_round_trip(session, number):
    session.add(Post(title=f"Post {number}", body="text " * number))
    session.commit()
    stored = session.scalars(select(Post).where(Post.title == f"Post {number}")).one()
    assert stored.body == "text " * number
