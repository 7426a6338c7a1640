from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.models import Product


def make_product(stock):
    return Product(sku="KIT-00001", name="Kettle", price=Decimal("24.99"), stock=stock)


@pytest.mark.parametrize(
    ("stock", "expected"),
    [
        (0, False), (1, True), (2, True), (5, True),
        (10, True), (99, True), (1000, True), (-1, False),
    ],
)
def test_in_stock(stock, expected):
    assert make_product(stock).in_stock is expected


@pytest.mark.parametrize(
    ("stock", "quantity", "left"),
    [(10, 1, 9), (10, 10, 0), (3, 2, 1), (50, 25, 25), (7, 7, 0), (1, 1, 0), (12, 5, 7), (8, 3, 5)],
)
def test_reserve(stock, quantity, left):
    product = make_product(stock)
    product.reserve(quantity)
    assert product.stock == left


@pytest.mark.parametrize(
    ("stock", "quantity", "message"),
    [
        (5, 0, "positive"),
        (5, -2, "positive"),
        (5, 6, "only 5"),
        (0, 1, "only 0"),
        (1, 2, "only 1"),
        (3, 100, "only 3"),
    ],
)
def test_reserve_rejects(stock, quantity, message):
    with pytest.raises(ValueError, match=message):
        make_product(stock).reserve(quantity)


PRICES = ["0.01", "0.99", "1.00", "4.50", "9.99", "12.34", "19.95", "49.00", "99.99", "100.00",
          "1234.56", "99999.99"]


@pytest.mark.parametrize("price", PRICES)
def test_price_survives_a_round_trip(session, add_product, price):
    add_product("KIT-00001", price=price)
    session.commit()
    stored = session.scalars(select(Product).where(Product.sku == "KIT-00001")).one()
    assert stored.price == Decimal(price)


@pytest.mark.parametrize("sku", ["KIT-00001", "GAR-00002", "TOY-00003", "BOO-00004"])
def test_sku_is_unique(session, add_product, sku):
    add_product(sku)
    with pytest.raises(IntegrityError):
        add_product(sku)
