from app.models.post import Post  # noqa: F401
