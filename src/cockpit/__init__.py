"""cockpit: a terminal test-session cockpit for pytest."""

__version__ = "0.1.0"
