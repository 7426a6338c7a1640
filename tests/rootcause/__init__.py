"""Tests of root causes: signatures, clusters, hints."""
