import pytest

from app.db import make_session
from app.models import Post


@pytest.fixture
def session():
    session = make_session()
    session.add(Post(title="Welcome", body="First post."))
    session.commit()
    yield session
    session.close()
