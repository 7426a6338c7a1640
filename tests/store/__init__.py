"""Tests of the session log on SQLite and on a real PostgreSQL."""
