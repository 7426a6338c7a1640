"""Widgets of the cockpit app, one per module."""
