"""Arithmetic the rest builds on."""


def add(a, b):
    return a + b
