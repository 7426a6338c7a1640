"""Each run mutates the global state of libraries it imports: a standard-library module,
an installed package, the environment, the working folder and sys.path. A warm server
has those libraries imported once; every run must still find them untouched."""

import json
import os
import sys

import sqlalchemy


def test_nothing_an_earlier_run_did_is_seen():
    leaked = {
        "json": getattr(json, "COCKPIT_LEAK", None),
        "sqlalchemy": getattr(sqlalchemy, "COCKPIT_LEAK", None),
        "environ": os.environ.get("COCKPIT_LEAK"),
        "sys.path": [entry for entry in sys.path if entry.endswith("cockpit-leak")],
        "defaults": json.dumps({"a": 1}),
    }
    json.COCKPIT_LEAK = sqlalchemy.COCKPIT_LEAK = os.getpid()
    os.environ["COCKPIT_LEAK"] = "1"
    sys.path.append("/cockpit-leak")
    json.dumps.__defaults__  # noqa: B018  (read, so the line is not optimised away)
    assert leaked == {
        "json": None,
        "sqlalchemy": None,
        "environ": None,
        "sys.path": [],
        "defaults": '{"a": 1}',
    }
