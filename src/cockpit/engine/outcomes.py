"""Test outcomes as the session log stores them: which count as failing, which as passing.

Plain string constants with no imports, so the quickest commands (``cockpit diff``,
``cockpit export``) can share them without paying for anything else.
"""

FAILING = frozenset({"failed", "error", "crashed"})
"""A test that failed, errored or crashed (a skip or an xfail is not a failure)."""
PASSING = frozenset({"passed", "xpassed"})
