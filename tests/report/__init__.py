"""Tests of the diff and the exported session summary."""
