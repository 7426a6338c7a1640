"""Process-wide settings: the global state an order-dependent test trips over."""

SETTINGS = {"currency": "EUR"}
