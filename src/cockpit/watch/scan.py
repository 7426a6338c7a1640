"""What one Python file imports, read from its syntax tree (pure: text in, facts out).

An ``ast`` scan rather than grimp (measured in ``bench/README.md``): grimp only sees
packages, so it misses the rootdir-relative imports of test folders that are not
packages, and it cannot tell us where a file loads code by a name computed at run time.
Here every file is scanned the same way and those places are reported, so the selection
can widen instead of guessing narrow.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

# Calls that import the module named by their first argument.
_IMPORT_CALLS = frozenset({"import_module", "__import__"})
# Calls that load code from a file path: nothing static can say which.
_PATH_LOADERS = frozenset(
    {"spec_from_file_location", "load_source", "run_path", "run_module", "SourceFileLoader"}
)


@dataclass(frozen=True, slots=True)
class FileScan:
    """The imports of one file: dotted names (each prefix of which Python imports too)."""

    imports: frozenset[str]
    dynamic: tuple[str, ...] = ()
    """Why this file may load modules no static import names (one sentence each)."""
    syntax_error: str | None = None


def _absolute(module: str | None, level: int, package: str) -> str | None:
    """The absolute name of ``from <level dots><module> import ...`` inside ``package``."""
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None  # beyond the top-level package: Python raises, nothing to resolve
    base = parts[: len(parts) - (level - 1)]
    if module:
        base.append(module)
    return ".".join(base) or None


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id == "patch":
            return f"patch.{func.attr}"
        return func.attr
    return ""


def _literal_strings(node: ast.expr) -> list[str] | None:
    """The strings of a literal string, list or tuple; None when computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple):
        values = [_literal_strings(element) for element in node.elts]
        if all(value is not None for value in values):
            return [string for value in values if value for string in value]
    return None


class _Visitor(ast.NodeVisitor):
    def __init__(self, package: str) -> None:
        self.package = package
        self.imports: set[str] = set()
        self.dynamic: list[str] = []

    def visit_Import(self, node: ast.Import) -> None:
        self.imports.update(alias.name for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _absolute(node.module, node.level, self.package)
        if base is None:
            return
        self.imports.add(base)
        # ``from pkg import name``: name may be a submodule; the graph keeps it if it is one.
        self.imports.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in node.targets):
            names = _literal_strings(node.value)
            if names is None:
                self.dynamic.append(f"line {node.lineno}: pytest_plugins is computed")
            else:
                self.imports.update(names)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        first = node.args[0] if node.args else None
        if name in _IMPORT_CALLS:
            names = _literal_strings(first) if first is not None else None
            if names is None or not names:
                self.dynamic.append(f"line {node.lineno}: {name}() of a computed name")
            else:
                self.imports.update(_absolute_call_target(names[0], self.package))
        elif name == "patch" and first is not None:
            # ``mock.patch("pkg.x.f")`` imports ``pkg.x`` when the test runs.
            names = _literal_strings(first)
            if names:
                self.imports.add(names[0])
        elif name in _PATH_LOADERS:
            self.dynamic.append(f"line {node.lineno}: {name}() loads code by file path")
        self.generic_visit(node)


def _absolute_call_target(name: str, package: str) -> list[str]:
    if name.startswith("."):
        level = len(name) - len(name.lstrip("."))
        resolved = _absolute(name.lstrip(".") or None, level, package)
        return [resolved] if resolved else []
    return [name]


def scan_source(source: str | bytes, module: str, *, is_package: bool) -> FileScan:
    """Scan one file's text; ``module`` is its dotted name, used for relative imports."""
    package = module if is_package else module.rpartition(".")[0]
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        where = f" at line {line}" if line else ""
        return FileScan(frozenset(), (), f"{type(error).__name__}{where}")
    visitor = _Visitor(package)
    visitor.visit(tree)
    return FileScan(frozenset(visitor.imports), tuple(visitor.dynamic))
