"""Database setup: the declarative base and a throwaway session factory."""

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Session, configure_mappers


class Base(DeclarativeBase):
    pass


def make_session() -> Session:
    """Return a session on a fresh in-memory SQLite database with every table created."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    # Resolve relationships now, so a mapping problem shows up here and not mid-query.
    configure_mappers()
    return Session(engine)
