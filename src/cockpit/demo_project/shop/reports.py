"""Read-only reports over the shop database."""

from collections import Counter
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.models import Customer, Order, Product


def revenue_by_customer(session: Session) -> dict[str, Decimal]:
    """Total of every order that was not cancelled, per customer name."""
    revenue: dict[str, Decimal] = {}
    for customer in session.scalars(select(Customer).order_by(Customer.name)):
        revenue[customer.name] = sum(
            (order.total for order in customer.orders if order.status != "cancelled"),
            Decimal("0.00"),
        )
    return revenue


def orders_by_status(session: Session) -> dict[str, int]:
    return dict(Counter(session.scalars(select(Order.status))))


def outstanding_orders(session: Session) -> list[Order]:
    """Orders that still need invoicing, oldest first; cancelled orders never do."""
    orders = session.scalars(
        select(Order).where(Order.status != "cancelled").order_by(Order.id)
    )
    return [order for order in orders if not order.fully_invoiced]


def low_stock(session: Session, threshold: int = 5) -> list[Product]:
    query = select(Product).where(Product.stock < threshold).order_by(Product.stock, Product.sku)
    return list(session.scalars(query))
