from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db import Base

if TYPE_CHECKING:
    from .customer import Customer
    from .invoice import Invoice

STATUSES = ("new", "paid", "shipped", "cancelled")


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(20), default="new")
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0.00"))

    customer: Mapped["Customer"] = relationship("Customer", back_populates="orders")
    invoices: Mapped[list["Invoice"]] = relationship("Invoice", back_populates="order")

    def mark(self, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown order status: {status!r}")
        if self.status == "cancelled":
            raise ValueError("a cancelled order cannot change status")
        self.status = status

    @property
    def amount_invoiced(self) -> Decimal:
        return sum((invoice.amount for invoice in self.invoices), Decimal("0.00"))

    @property
    def fully_invoiced(self) -> bool:
        return self.amount_invoiced >= self.total
