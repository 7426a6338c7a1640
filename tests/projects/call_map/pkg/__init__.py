"""A package whose root re-exports everything: every test file imports all of it."""

from pkg.fmt import Formatter
from pkg.util import helper, session_value

VALUE = helper(1)

__all__ = ["VALUE", "Formatter", "helper", "session_value"]
