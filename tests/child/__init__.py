"""Tests of the pytest plugin that runs in the child, with pytester."""
