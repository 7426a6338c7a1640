"""A small backend whose tests import SQLAlchemy models: the start-up cost of a real fix
session (SQLAlchemy's import, mapper configuration) on a suite that runs in a blink.

``write_project(DEST)`` writes ``app/`` (a declarative base, four related models, a
service module) and ``tests/`` (a conftest with an in-memory SQLite session, five test
modules of twelve tests each: 60 tests). Deterministic; it replaces only what it wrote.
"""

from __future__ import annotations

import shutil
from pathlib import Path

MODELS = {
    "customer": (
        "Customer",
        "customers",
        "    name: Mapped[str] = mapped_column(String(80))\n"
        '    orders: Mapped[list["Order"]] = relationship(back_populates="customer")\n',
    ),
    "product": (
        "Product",
        "products",
        "    title: Mapped[str] = mapped_column(String(80))\n"
        "    price: Mapped[int] = mapped_column(Integer)\n",
    ),
    "order": (
        "Order",
        "orders",
        '    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))\n'
        '    customer: Mapped["Customer"] = relationship(back_populates="orders")\n'
        '    lines: Mapped[list["Line"]] = relationship(back_populates="order")\n',
    ),
    "line": (
        "Line",
        "lines",
        '    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))\n'
        '    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))\n'
        "    quantity: Mapped[int] = mapped_column(Integer)\n"
        '    order: Mapped["Order"] = relationship(back_populates="lines")\n'
        '    product: Mapped["Product"] = relationship()\n',
    ),
}
DB = """from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Session


class Base(DeclarativeBase):
    pass


def session() -> Session:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    return Session(engine)
"""
MODEL = """from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


class {cls}(Base):
    __tablename__ = "{table}"
    id: Mapped[int] = mapped_column(primary_key=True)
{body}"""
SERVICE = """from sqlalchemy import func, select

from app.models import Customer, Line, Order, Product


def order_total(session, order_id):
    query = (
        select(func.coalesce(func.sum(Line.quantity * Product.price), 0))
        .join(Product, Line.product_id == Product.id)
        .where(Line.order_id == order_id)
    )
    return session.scalar(query)


def place_order(session, customer_name, items):
    customer = Customer(name=customer_name)
    order = Order(customer=customer)
    for title, price, quantity in items:
        order.lines.append(Line(product=Product(title=title, price=price), quantity=quantity))
    session.add(order)
    session.flush()
    return order
"""
CONFTEST = """import pytest

from app.db import session as new_session


@pytest.fixture
def session():
    with new_session() as db:
        yield db
"""
TEST_HEADER = """from app.models import Customer, Order
from app.services import order_total, place_order
"""
TEST = """

def test_{name}_{index:02d}(session):
    order = place_order(session, "c{index}", [("p", {price}, {quantity}), ("q", 1, 1)])
    assert order_total(session, order.id) == {total}
    assert session.query(Customer).count() == 1
    assert isinstance(order, Order)
"""
TEST_FILES = ("orders", "customers", "products", "lines", "totals")


def write_project(dest: Path) -> Path:
    for folder in ("app", "tests"):
        shutil.rmtree(dest / folder, ignore_errors=True)
    models = dest / "app" / "models"
    models.mkdir(parents=True)
    (dest / "tests").mkdir()
    (dest / "pytest.ini").write_text("[pytest]\ntestpaths = tests\npythonpath = .\n")
    (dest / "app" / "__init__.py").write_text("")
    (dest / "app" / "db.py").write_text(DB)
    (dest / "app" / "services.py").write_text(SERVICE)
    names = []
    for module, (cls, table, body) in MODELS.items():
        (models / f"{module}.py").write_text(MODEL.format(cls=cls, table=table, body=body))
        names.append(f"from app.models.{module} import {cls}  # noqa: F401")
    (models / "__init__.py").write_text("\n".join(names) + "\n")
    (dest / "tests" / "conftest.py").write_text(CONFTEST)
    for name in TEST_FILES:
        parts = [TEST_HEADER]
        for index in range(12):
            price, quantity = index + 2, index % 3 + 1
            total = price * quantity + 1
            parts.append(
                TEST.format(name=name, index=index, price=price, quantity=quantity, total=total)
            )
        (dest / "tests" / f"test_{name}.py").write_text("".join(parts))
    return dest
