"""A small shop backend: customers, products, orders and invoices."""
