"""Warm starts: a server in the project's interpreter that has imported pytest and the
project's libraries, forking a fresh child for each run (``child/cockpit_warm_server.py``
is the server; this package is cockpit's side of it)."""
