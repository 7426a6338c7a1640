"""Imported by nothing: may be run as a script."""

print("hello")
