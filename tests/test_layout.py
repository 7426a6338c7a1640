"""The package's shape: a folder per stage of the data flow, imports pointing one way.

Read from the source with ``ast`` (function-level imports included, since a cycle hidden
inside a function is still a cycle), so the rules hold for every module, imported or not:

* each top-level package sits in a layer and imports only from layers below it (or from
  itself): child -> engine -> warm starts -> root causes -> store -> suite -> isolation /
  watch / report ->
  session -> the two fronts, ``cli`` and ``app``;
* no cycle between modules; the app never imports the CLI, and the CLI imports the app
  only in the module that launches it;
* at most six modules loose at the top of the package; no module over 500 lines and no
  function over 60 (shipped migrations are history and keep their shape).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "cockpit"
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"cockpit", "errors"}),
    frozenset({"settings"}),
    frozenset({"child"}),
    frozenset({"engine"}),
    frozenset({"warm"}),
    frozenset({"rootcause"}),
    frozenset({"store"}),
    frozenset({"suite"}),
    frozenset({"imports"}),
    frozenset({"isolation", "watch", "report"}),
    frozenset({"session"}),
    frozenset({"cli", "app"}),
    frozenset({"__main__"}),
)
APP_LAUNCHER = "cockpit.cli.app"
SKIPPED = ("demo_project", "migrations")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if any(part in SKIPPED for part in relative.parts):
            continue
        parts = ["cockpit", *relative.with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def imports_of(name: str, path: Path) -> set[str]:
    """The cockpit modules ``name`` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module == "cockpit" or module.startswith("cockpit.")}


MODULES = dict(modules())
GRAPH = {
    name: {target for target in imports_of(name, path) if target in MODULES and target != name}
    for name, path in MODULES.items()
}


def top(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "cockpit"


def layer(name: str) -> int:
    package = top(name)
    for index, members in enumerate(LAYERS):
        if package in members:
            return index
    raise AssertionError(f"{name}: its package {package!r} has no layer in test_layout.LAYERS")


def test_every_import_points_down_the_layers() -> None:
    wrong = [
        f"{source} imports {target}"
        for source, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if top(source) != top(target)
        and layer(target) >= layer(source)
        and not (source == APP_LAUNCHER and top(target) == "app")
    ]
    assert not wrong


def test_the_fronts_call_the_core_not_each_other() -> None:
    wrong = [
        f"{source} imports {target}"
        for source, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if (top(source) == "app" and top(target) == "cli")
        or (top(source) == "cli" and top(target) == "app" and source != APP_LAUNCHER)
    ]
    assert not wrong


def test_no_module_imports_itself_back() -> None:
    """Tarjan's strongly connected components: any with two modules is a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert not cycles


def test_few_modules_sit_loose_at_the_top() -> None:
    loose = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(loose) <= 6, loose


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_and_functions_stay_short(name: str) -> None:
    source = MODULES[name].read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long
