from decimal import Decimal

import pytest

from shop.reports import low_stock, orders_by_status, outstanding_orders, revenue_by_customer


@pytest.mark.parametrize(
    ("totals", "expected"),
    [
        ([], "0.00"),
        (["10.00"], "10.00"),
        (["10.00", "5.50"], "15.50"),
        (["0.01", "0.02", "0.03"], "0.06"),
        (["99.99", "0.01"], "100.00"),
        (["12.34"] * 5, "61.70"),
        (["1000.00", "2000.00"], "3000.00"),
        (["7.77", "2.23"], "10.00"),
        (["0.00", "0.00"], "0.00"),
        (["19.95", "19.95", "19.95"], "59.85"),
    ],
)
def test_revenue_by_customer(session, add_customer, add_order, totals, expected):
    ada = add_customer("Ada Lovelace")
    add_customer("Grace Hopper")
    for total in totals:
        add_order(customer=ada, total=total)
    add_order(customer=ada, total="500.00", status="cancelled")
    assert revenue_by_customer(session) == {
        "Ada Lovelace": Decimal(expected),
        "Grace Hopper": Decimal("0.00"),
    }


@pytest.mark.parametrize(
    "statuses",
    [
        ["new"],
        ["new", "new"],
        ["paid"],
        ["new", "paid", "shipped"],
        ["cancelled", "cancelled", "new"],
        ["shipped"] * 4,
        ["paid", "shipped", "paid"],
        ["new", "paid", "shipped", "cancelled"],
        ["cancelled"],
        ["new"] * 7,
    ],
)
def test_orders_by_status(session, add_customer, add_order, statuses):
    customer = add_customer()
    for status in statuses:
        add_order(customer=customer, status=status)
    expected = {status: statuses.count(status) for status in set(statuses)}
    assert orders_by_status(session) == expected


@pytest.mark.parametrize(
    ("orders", "expected"),
    [
        ([("10.00", "new")], 1),
        ([("0.00", "new")], 0),
        ([("10.00", "cancelled")], 0),
        ([("10.00", "new"), ("5.00", "paid")], 2),
        ([("10.00", "shipped"), ("0.00", "paid"), ("3.00", "cancelled")], 1),
        ([], 0),
        ([("1.00", "new")] * 6, 6),
        ([("0.00", "cancelled")] * 3, 0),
    ],
)
def test_outstanding_orders(session, add_customer, add_order, orders, expected):
    customer = add_customer()
    for total, status in orders:
        add_order(customer=customer, total=total, status=status)
    outstanding = outstanding_orders(session)
    assert len(outstanding) == expected
    assert [order.id for order in outstanding] == sorted(order.id for order in outstanding)


@pytest.mark.parametrize(
    ("stocks", "threshold", "expected"),
    [
        ([0, 10], 5, ["AAA-00001"]),
        ([10, 20], 5, []),
        ([4, 5, 6], 5, ["AAA-00001"]),
        ([4, 5, 6], 6, ["AAA-00001", "AAA-00002"]),
        ([3, 1, 2], 5, ["AAA-00002", "AAA-00003", "AAA-00001"]),
        ([], 5, []),
        ([0, 0], 1, ["AAA-00001", "AAA-00002"]),
        ([100], 1000, ["AAA-00001"]),
    ],
)
def test_low_stock(session, add_product, stocks, threshold, expected):
    for number, stock in enumerate(stocks, start=1):
        add_product(f"AAA-{number:05d}", stock=stock)
    assert [product.sku for product in low_stock(session, threshold)] == expected
