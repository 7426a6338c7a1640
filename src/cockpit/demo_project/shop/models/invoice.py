from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db import Base

if TYPE_CHECKING:
    from .order import Order


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    number: Mapped[str] = mapped_column(String(20), unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    issued_on: Mapped[date] = mapped_column(default=date.today)
    paid: Mapped[bool] = mapped_column(default=False)

    order: Mapped["Order"] = relationship("Order", back_populates="invoices")
