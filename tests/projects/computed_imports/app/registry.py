import importlib


def handler(name):
    return importlib.import_module("app.handlers." + name).handle


def legacy(name):
    return getattr(__import__("app.handlers", None, None, [name]), name).handle
