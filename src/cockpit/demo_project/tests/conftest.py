from decimal import Decimal
from itertools import count

import pytest

from shop.db import make_session
from shop.models import Customer, Order, Product


@pytest.fixture
def session():
    session = make_session()
    yield session
    session.close()


@pytest.fixture
def add_customer(session):
    numbers = count(1)

    def add(name="Ada Lovelace", email=None, **fields):
        email = email or f"{name.split()[0].lower()}.{next(numbers)}@example.com"
        customer = Customer(name=name, email=email, **fields)
        session.add(customer)
        session.flush()
        return customer

    return add


@pytest.fixture
def add_order(session, add_customer):
    def add(customer=None, total="0.00", status=None):
        order = Order(customer=customer or add_customer(), total=Decimal(total))
        if status is not None:
            order.status = status
        session.add(order)
        session.flush()
        return order

    return add


@pytest.fixture
def add_product(session):
    def add(sku, price="1.00", stock=0, name=None):
        product = Product(sku=sku, name=name or sku, price=Decimal(price), stock=stock)
        session.add(product)
        session.flush()
        return product

    return add
