from typing import TYPE_CHECKING

from sqlalchemy import String, Text
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base

if TYPE_CHECKING:
    from app.models.tag import Tag


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")

    tags: Mapped[list["Tag"]] = relationship(
        "Tag", back_populates="post", cascade="all, delete-orphan", order_by="Tag.id"
    )
    tag_labels: AssociationProxy[list[str]] = association_proxy("tags", "label")
