from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base

if TYPE_CHECKING:
    from app.models.post import Post


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    label: Mapped[str] = mapped_column(String(50))

    post: Mapped["Post"] = relationship("Post", back_populates="tags")

    def __init__(self, label: str, **fields: object) -> None:
        super().__init__(label=label, **fields)
