from decimal import Decimal

import pytest
from sqlalchemy import select

from shop.models import Order

TOTALS = ["0.00", "0.01", "5.00", "9.99", "19.95", "49.99", "100.00", "999.99"]


@pytest.mark.parametrize("total", TOTALS)
def test_new_order_has_nothing_invoiced(total):
    order = Order(total=Decimal(total))
    assert order.invoices == []
    assert order.amount_invoiced == Decimal("0.00")


@pytest.mark.parametrize("total", TOTALS)
def test_only_free_orders_start_fully_invoiced(total):
    order = Order(total=Decimal(total))
    assert order.fully_invoiced is (Decimal(total) == 0)


@pytest.mark.parametrize("count", range(1, 11))
def test_orders_without_invoices_are_found(session, add_order, count):
    for _ in range(count):
        add_order(total="10.00")
    query = select(Order).where(~Order.invoices.any())
    assert len(session.scalars(query).all()) == count


@pytest.mark.parametrize("total", TOTALS[:6])
def test_saved_order_loads_empty_invoice_list(session, add_order, total):
    order_id = add_order(total=total).id
    session.commit()
    session.expire_all()
    assert session.get(Order, order_id).invoices == []
