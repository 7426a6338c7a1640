"""Money arithmetic for the shop. Every amount is a Decimal rounded to the cent."""

from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round a value to whole cents, halves away from zero."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    if quantity < 0:
        raise ValueError("quantity cannot be negative")
    return to_money(unit_price * quantity)


def order_total(lines: Iterable[tuple[Decimal, int]]) -> Decimal:
    return sum((line_total(price, qty) for price, qty in lines), Decimal("0.00"))


def apply_discount(price: Decimal, percent: int | Decimal) -> Decimal:
    """Take ``percent`` off ``price``; the discount itself is rounded to the cent."""
    if not 0 <= percent <= 100:
        raise ValueError(f"discount must be between 0 and 100, got {percent}")
    discount = (price * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_DOWN)
    return price - discount


def tax(net: Decimal, rate: Decimal) -> Decimal:
    """The tax due on ``net`` at ``rate`` (0.20 for 20%), rounded to the cent."""
    if rate < 0:
        raise ValueError("tax rate cannot be negative")
    return (net * rate).quantize(CENT)


def gross(net: Decimal, rate: Decimal) -> Decimal:
    return net + tax(net, rate)
