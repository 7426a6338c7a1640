from decimal import Decimal

import pytest
from sqlalchemy import select

from shop.models import Order

STATUSES = ["new", "paid", "shipped", "cancelled"]


@pytest.mark.parametrize("before", ["new", "paid", "shipped"])
@pytest.mark.parametrize("after", STATUSES)
def test_mark_changes_status(before, after):
    order = Order(status=before)
    order.mark(after)
    assert order.status == after


@pytest.mark.parametrize("after", STATUSES)
def test_cancelled_order_is_frozen(after):
    order = Order(status="cancelled")
    with pytest.raises(ValueError, match="cancelled"):
        order.mark(after)


@pytest.mark.parametrize("status", ["", "NEW", "refunded", "lost", "pending"])
def test_unknown_status_is_rejected(status):
    with pytest.raises(ValueError, match="unknown order status"):
        Order(status="new").mark(status)


TOTALS = ["0.00", "0.01", "5.00", "9.99", "10.10", "19.95", "49.99", "100.00", "250.50", "999.99"]


@pytest.mark.parametrize("total", TOTALS)
def test_total_survives_a_round_trip(session, add_order, total):
    order_id = add_order(total=total).id
    session.commit()
    assert session.get(Order, order_id).total == Decimal(total)


@pytest.mark.parametrize("count", range(1, 9))
def test_customer_sees_their_orders(session, add_customer, add_order, count):
    customer = add_customer()
    for _ in range(count):
        add_order(customer=customer)
    assert len(customer.orders) == count
    assert all(order.customer is customer for order in customer.orders)


@pytest.mark.parametrize("total", ["0.00", "1.00", "20.00"])
def test_new_orders_start_as_new(session, add_order, total):
    add_order(total=total)
    session.commit()
    assert session.scalars(select(Order.status)).one() == "new"
