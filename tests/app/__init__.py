"""Tests of the app: view-models, widgets, pilot flows, snapshots, a real terminal."""
