from .customer import Customer
from .order import Order
from .product import Product

__all__ = ["Customer", "Order", "Product"]
