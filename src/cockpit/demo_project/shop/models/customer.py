from typing import TYPE_CHECKING

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db import Base

if TYPE_CHECKING:
    from .order import Order


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(255), unique=True)
    vip: Mapped[bool] = mapped_column(default=False)

    orders: Mapped[list["Order"]] = relationship("Order", back_populates="customer")

    @property
    def display_name(self) -> str:
        first, _, rest = self.name.strip().partition(" ")
        return f"{first} {rest[:1]}." if rest else first

    def normalized_email(self) -> str:
        return self.email.strip().lower()
