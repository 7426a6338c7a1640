"""Which functions of a Python file changed between two contents: pure, on ``ast``.

Every function and method defined outside another function's body is keyed by its
qualified name (``Formatter.write_usage``; a function nested in another belongs to the
outer one, as ``f.<locals>.g`` does in the child's map) and digested by the dump of its
body, without positions: moving a function or editing a comment changes nothing. What
is left once every such body is emptied is the file's *skeleton*: imports, module code,
class bodies, decorators, signatures and defaults, the set of top-level names. When the
skeletons differ, the change is module-level and the caller falls back to the import
graph for the file. A content that does not parse is a module-level change too.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True, slots=True)
class FileDiff:
    """How a file's new content differs from its old one."""

    changed: frozenset[str]
    """Qualified names of the functions whose bodies differ."""
    module_level: str = ""
    """Why the change is module-level (empty: function bodies only)."""


class _Bodies(ast.NodeTransformer):
    """Empties function bodies (outside other functions), keeping each body's digest."""

    def __init__(self) -> None:
        self.prefix: list[str] = []
        self.digests: dict[str, list[str]] = {}

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.prefix.append(node.name)
        self.generic_visit(node)
        self.prefix.pop()
        return node

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        qualname = ".".join((*self.prefix, node.name))
        body = "\n".join(ast.dump(statement) for statement in node.body)
        digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
        # A getter and its setter share a qualified name: keep both, in order.
        self.digests.setdefault(qualname, []).append(digest)
        node.body = [ast.Pass()]
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function


def _shape(source: bytes) -> tuple[str, dict[str, list[str]]]:
    tree = ast.parse(source)
    bodies = _Bodies()
    skeleton = bodies.visit(tree)
    return ast.dump(skeleton), bodies.digests


def function_diff(old: bytes, new: bytes) -> FileDiff:
    """The functions whose bodies changed from ``old`` to ``new``, or why it is more."""
    try:
        old_skeleton, old_bodies = _shape(old)
        new_skeleton, new_bodies = _shape(new)
    except (SyntaxError, ValueError, RecursionError) as error:
        return FileDiff(frozenset(), f"it does not parse ({type(error).__name__})")
    if old_skeleton != new_skeleton:
        return FileDiff(frozenset(), "module-level code changed")
    changed = frozenset(
        name
        for name in old_bodies.keys() | new_bodies.keys()
        if old_bodies.get(name) != new_bodies.get(name)
    )
    return FileDiff(changed)


def function_of(qualname: str) -> str:
    """The top-level function or method a code object belongs to (its ``<locals>`` cut)."""
    head, _, _ = qualname.partition(".<")
    return head
