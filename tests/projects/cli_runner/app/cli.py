"""The project's command line: every command prints JSON."""

import json


def show(name):
    print(json.dumps({"name": name}))


def count(*items):
    print(json.dumps({"count": len(items)}))


def tags(*names):
    print(json.dumps(sorted(names)))


def version():
    print(json.dumps("1.0"))
